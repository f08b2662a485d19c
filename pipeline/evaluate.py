"""`triage evaluate`: score an extract against a replay's truth folder.

Per bug (attribution, purity, coverage from `joins.evaluate`), false alarms, personal-data
values of the truth that leaked into the extract (counted by type, never shown), and the
symptom detectors' recall and false-positive rate against the injected symptoms.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

SYMPTOMS = ("unexpected_script", "code_syntax_error", "repetition", "truncation")


def _text_values(con) -> list[str]:
    out = []
    tables = [
        t
        for (t,) in con.execute(
            "select table_name from information_schema.tables where table_type = 'BASE TABLE'"
        ).fetchall()
    ]
    for table in tables:
        cols = [
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns where table_name = ? "
                "and data_type = 'VARCHAR'",
                [table],
            ).fetchall()
        ]
        for col in cols:
            out += [v for (v,) in con.execute(f'select "{col}" from "{table}"').fetchall() if v]
    return out


def leaked_values(db: Path, truth_dir: Path) -> dict[str, int]:
    """Truth personal-data values (6+ characters) found verbatim anywhere in the extract."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        blob = "\n".join(_text_values(con))
    finally:
        con.close()
    leaks: Counter[str] = Counter()
    for row in pq.read_table(truth_dir / "pii.parquet").to_pylist():
        if len(row["value"]) >= 6 and row["value"] in blob:
            leaks[row["entity_type"]] += 1
    return dict(sorted(leaks.items()))


def symptom_scores(db: Path, truth_dir: Path) -> dict[str, dict]:
    """Per symptom: recall and false-positive rate of the extract's `symptoms` vs the truth."""
    truth = {
        r["report_id"]: set(r["symptoms"])
        for r in pq.read_table(
            truth_dir / "reports.parquet", columns=["report_id", "symptoms"]
        ).to_pylist()
    }
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = dict(con.execute("select report_id, symptoms from reports").fetchall())
    finally:
        con.close()
    scores = {}
    for s in SYMPTOMS:
        pos = [rid for rid in got if s in truth.get(rid, ())]
        neg = [rid for rid in got if rid in truth and s not in truth[rid]]
        tp = sum(1 for rid in pos if s in got[rid])
        fp = sum(1 for rid in neg if s in got[rid])
        scores[s] = {
            "positives": len(pos),
            "recall": tp / len(pos) if pos else None,
            "false_positive_rate": fp / len(neg) if neg else None,
        }
    return scores


def evaluate(db: Path, truth_dir: Path) -> dict:
    from joins.evaluate import evaluate_extract

    result = evaluate_extract(str(db), truth_dir)
    result["leaked_values"] = leaked_values(db, truth_dir)
    result["symptoms"] = symptom_scores(db, truth_dir)
    return result


def _row(name: str, r: dict) -> str:
    q = r.get("q")
    lift = r.get("lift")
    return (
        f"{name:<24} {str(r.get('detected')):<9} {str(r.get('rank', '-')):<5} "
        f"{(f'{q:.1e}' if q is not None else '-'):<9} "
        f"{(f'{lift:.1f}' if lift is not None else '-'):<6} "
        f"{r.get('purity', 0):<7.2f} {r.get('coverage', 0):<9.2f} {r.get('cluster_id')}"
    )


def render(result: dict) -> str:
    lines = ["bug (cluster)            detected  rank  q         lift   purity  coverage  cluster"]
    for bug, r in result["bugs"].items():
        lines.append(_row(f"{bug} (largest)", r))
        if "focused" in r:
            lines.append(_row(f"{bug} (focused)", r["focused"]))
    lines.append("largest: the cluster with most of the bug's reports; focused: the cluster")
    lines.append("most concentrated in it (>= 10 of its reports), when that is another one")
    lines.append(f"false alarms: {len(result['false_alarms'])}")
    leaks = result["leaked_values"]
    lines.append(
        "leaked personal-data values: "
        + (", ".join(f"{k} {v}" for k, v in leaks.items()) if leaks else "none")
    )
    for s, v in result["symptoms"].items():
        rec = "-" if v["recall"] is None else f"{v['recall']:.3f}"
        fpr = "-" if v["false_positive_rate"] is None else f"{v['false_positive_rate']:.4f}"
        lines.append(
            f"symptom {s:<18} recall {rec}  false-positive rate {fpr}  "
            f"(truth positives {v['positives']})"
        )
    return "\n".join(lines)
