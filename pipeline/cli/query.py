"""`triage query`: ask the extract one read-only SQL question.

    triage query --extract OUT/triage.duckdb "select * from cluster_causes"
        [--format table|csv|json|parquet] [--output FILE]

The extract is opened read-only, with DuckDB's file access switched off (the query cannot
read or write other files) and only SELECT / EXPLAIN statements accepted. Results go to
stdout (an aligned table by default) or to an owner-only FILE. Every failure is one line on
stderr and exit status 2 (see `pipeline.cli.main.main`).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import sys
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from pipeline.errors import CliError
from pipeline.extract.reader import ExtractProblem, open_extract

FORMATS = ("table", "csv", "json", "parquet")
READ_ONLY_TYPES = ("SELECT", "EXPLAIN")
MAX_ERROR_CHARS = 300


class QueryError(Exception):
    """A problem with the extract or the query, reported as one line."""


def _one_line(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    # DuckDB appends "LINE n: <query> ^^^" on further lines: the caret means nothing on one.
    line = " ".join(str(text).split("\nLINE ")[0].split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def check_read_only(con, sql: str) -> str:
    """The statement type of ``sql`` ("SELECT" or "EXPLAIN"); anything else is refused.

    Raises QueryError (one line) for a parse error, no statement, several statements, or a
    statement of another type (INSERT, CREATE, COPY, SET, ATTACH, PRAGMA, ...).
    """
    import duckdb

    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"bad query: {_one_line(exc)}") from None
    if not statements:
        raise QueryError("empty query")
    if len(statements) > 1:
        raise QueryError(f"one statement at a time ({len(statements)} given)")
    kind = statements[0].type.name
    if kind not in READ_ONLY_TYPES:
        raise QueryError(
            f"refused: {kind} statements are not allowed; the extract is read-only "
            "(only SELECT and EXPLAIN queries)"
        )
    return kind


def run_query(con, sql: str):
    """The result of one read-only statement as a pyarrow Table."""
    import duckdb

    kind = check_read_only(con, sql)
    try:
        if kind == "EXPLAIN":  # a relation over an EXPLAIN would explain itself
            import pyarrow as pa

            rows = con.execute(sql).fetchall()
            return pa.table(
                {"explain_key": [r[0] for r in rows], "explain_value": [r[1] for r in rows]}
            )
        rel = con.sql(sql)
        if rel is None:  # a statement without a result
            import pyarrow as pa

            return pa.table({})
        # DuckDB 2 names it to_arrow_table; 1.x arrow().
        fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
        return fetch()
    except duckdb.Error as exc:
        raise QueryError(f"bad query: {_one_line(exc)}") from None


# ---------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------


def _plain(value):
    """A JSON-ready version of one cell (timestamps as ISO 8601, decimals as floats)."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _text(value) -> str:
    """One table / CSV cell as text."""
    if value is None:
        return ""
    if isinstance(value, float):
        return format(value, ".6g")
    if isinstance(value, datetime | date | time):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, list | tuple | dict):
        return json.dumps(_plain(value), ensure_ascii=False)
    return str(value)


def render_table(table) -> str:
    """An aligned text table: numbers right-aligned, NULL shown as empty, row count last."""
    import pyarrow as pa

    names = table.column_names
    if names == ["explain_key", "explain_value"]:  # EXPLAIN: the plan is drawn on many lines
        return "\n".join(str(v) for v in table.column("explain_value").to_pylist()) + "\n"
    numeric = [
        pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
        for t in table.schema.types
    ]
    rows = [[_text(v) for v in row.values()] for row in table.to_pylist()]
    cells = [[" ".join(c.split()) for c in row] for row in rows]  # keep one line per row
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]

    def line(values):
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out = [line(names), line(["-" * w for w in widths])] + [line(r) for r in cells]
    out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(out) + "\n"


def render_csv(table) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in table.to_pylist():
        writer.writerow([_text(v) for v in row.values()])
    return buf.getvalue()


def render_json(table) -> str:
    """A JSON array with one object per row."""
    rows = [{k: _plain(v) for k, v in row.items()} for row in table.to_pylist()]
    return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"


def _open_private(path: Path, binary: bool):
    """Open ``path`` for writing, owner-only (0600): query results come from the extract."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file existed with wider permissions
    return os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8")


def write_result(table, fmt: str, output: Path | None, stdout=None) -> None:
    """Write ``table`` in ``fmt`` to ``output`` (owner-only) or to ``stdout``."""
    stdout = stdout or sys.stdout
    if fmt == "parquet":
        if output is None:
            raise QueryError("--format parquet needs --output FILE")
        import pyarrow.parquet as pq

        with _open_private(output, binary=True) as fh:
            pq.write_table(table, fh)
        return
    text = {"table": render_table, "csv": render_csv, "json": render_json}[fmt](table)
    if output is None:
        stdout.write(text)
        return
    with _open_private(output, binary=False) as fh:
        fh.write(text)


def query(
    extract: Path | str, sql: str, fmt: str = "table", output: Path | None = None, stdout=None
) -> int:
    """Run one read-only query on an extract and write its result; returns the row count."""
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    extract = Path(extract)
    if output is not None:
        output = Path(output)
        if output.exists() and extract.exists() and output.resolve() == extract.resolve():
            raise QueryError("--output would overwrite the extract")
        if not output.parent.is_dir():
            raise QueryError(f"output folder {output.parent} does not exist")
    try:
        con = open_extract(extract)
    except ExtractProblem as exc:
        raise QueryError(str(exc)) from None
    try:
        table = run_query(con, sql)
    finally:
        con.close()
    try:
        write_result(table, fmt, output, stdout)
    except OSError as exc:
        raise QueryError(f"cannot write {output}: {exc.strerror}") from None
    return table.num_rows


def _run(args: argparse.Namespace) -> int:
    sql = args.sql
    if sql == "-":
        sql = sys.stdin.read()
    try:
        n = query(args.extract, sql, args.format, Path(args.output) if args.output else None)
    except QueryError as exc:
        raise CliError(str(exc)) from None
    if args.output:
        print(f"triage query: {n} rows written to {args.output}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `triage query` to the CLI's subcommands."""
    p = sub.add_parser(
        "query",
        help="ask the extract one read-only SQL question",
        description="Run one SELECT (or EXPLAIN) on a triage extract opened read-only and "
        "print an aligned table, or write csv/json/parquet. Statements that write are "
        "refused. Tables and views are documented in docs/extract.md; ready-made questions "
        "in docs/cookbook.md. Timestamps are shown in UTC. Exit 0 on success, 2 with one "
        "line on stderr for a bad query, a missing file or another contract version.",
    )
    p.add_argument(
        "sql",
        metavar="SQL",
        help='the query, e.g. "select * from cluster_causes"; - reads it from stdin',
    )
    p.add_argument("--extract", required=True, metavar="DB", help="OUT/triage.duckdb")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table (aligned text, default), csv, json (array of objects) or "
        "parquet (needs --output)",
    )
    p.add_argument(
        "--output", metavar="FILE", help="write the result to FILE (owner-only) instead of stdout"
    )
    p.set_defaults(func=_run)
