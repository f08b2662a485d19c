"""Compare two extracts table by table: the proof that a refactor changed no output.

    .venv/bin/python bench/compare_extracts.py BEFORE/triage.duckdb AFTER/triage.duckdb

For every table and view of either extract: the same columns with the same types, the same
number of rows and the same rows (compared as multisets with DuckDB's ``EXCEPT ALL`` both
ways, so row order does not matter). Only what differs between two runs by design is left
out: ``runs.run_id``, ``runs.started_at``, ``runs.finished_at`` and, inside ``runs.options``,
the output and staging folders (two runs compared write to two folders). Prints one line per
relation (name, rows, ``same`` or what differs) and never a value; exit 0 when every relation
is the same, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys

import duckdb

#: Columns that differ between two runs of the same input by design (the run's clock and id).
RUN_VARIANT = {"runs": {"run_id", "started_at", "finished_at"}}
#: Columns compared through an expression: the run's options without where it wrote.
COMPARED_AS = {
    ("runs", "options"): "json_merge_patch(options, "
    """'{"output_dir": null, "staging_location": null}')"""
}


def _relations(con: duckdb.DuckDBPyConnection, db: str) -> dict[str, str]:
    rows = con.execute(
        "select table_name, table_type from information_schema.tables where table_catalog = ?",
        [db],
    ).fetchall()
    return {name: kind for name, kind in rows}


def _columns(con: duckdb.DuckDBPyConnection, db: str, name: str) -> list[tuple[str, str]]:
    return con.execute(
        """select column_name, data_type from information_schema.columns
           where table_catalog = ? and table_name = ? order by ordinal_position""",
        [db, name],
    ).fetchall()


def compare(before: str, after: str) -> list[tuple[str, int, str]]:
    """(relation, rows in ``before``, verdict) for every relation of either extract."""
    con = duckdb.connect()
    con.execute("attach ? as b (read_only)", [before])
    con.execute("attach ? as a (read_only)", [after])
    rel_b, rel_a = _relations(con, "b"), _relations(con, "a")
    out = []
    for name in sorted(set(rel_b) | set(rel_a)):
        if name not in rel_a or name not in rel_b:
            out.append((name, 0, "only in " + ("before" if name in rel_b else "after")))
            continue
        cols_b, cols_a = _columns(con, "b", name), _columns(con, "a", name)
        if cols_b != cols_a:
            out.append((name, 0, "columns differ"))
            continue
        skip = RUN_VARIANT.get(name, set())
        cols = ", ".join(
            COMPARED_AS.get((name, c), str(duckdb.ColumnExpression(c)))
            for c, _ in cols_b
            if c not in skip
        )
        qb, qa = f'b.main."{name}"', f'a.main."{name}"'
        n_b = con.execute(f"select count(*) from {qb}").fetchone()[0]
        n_a = con.execute(f"select count(*) from {qa}").fetchone()[0]
        if n_b != n_a:
            out.append((name, n_b, f"rows differ ({n_b} before, {n_a} after)"))
            continue
        missing = con.execute(
            f"select count(*) from (select {cols} from {qb} except all select {cols} from {qa})"
        ).fetchone()[0]
        extra = con.execute(
            f"select count(*) from (select {cols} from {qa} except all select {cols} from {qb})"
        ).fetchone()[0]
        verdict = "same" if not (missing or extra) else f"{missing} rows differ"
        out.append((name, n_b, verdict))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", help="the first triage.duckdb")
    parser.add_argument("after", help="the second triage.duckdb")
    args = parser.parse_args(argv)
    result = compare(args.before, args.after)
    width = max(len(name) for name, _, _ in result)
    for name, rows, verdict in result:
        print(f"{name:<{width}}  {rows:>8}  {verdict}")
    same = all(verdict == "same" for _, _, verdict in result)
    print("identical" if same else "DIFFERENT")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
