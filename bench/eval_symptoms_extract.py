"""Symptom recall / false-positive rate on a pipeline extract's redacted responses, for the
current detectors and (``--baseline-rev``) those of an earlier commit, against a replay's truth.

Results: bench/results/symptoms_replay.json (section ``--label``).

``triage evaluate`` scores the extract's ``symptoms`` column (what the job wrote); this scores
the detectors themselves on the same redacted text the job gave them (``reports.
response_redacted``), so two versions compare on identical input. Nothing here prints text.

Usage:
  .venv/bin/triage simulate --output /tmp/i19_replay_s0 --scale 0.25 --seed 0 --quiet
  TRIAGE_PSEUDONYM_KEY=... .venv/bin/triage run --input /tmp/i19_replay_s0 --output /tmp/i19_run_s0
  .venv/bin/python bench/eval_symptoms_extract.py --extract /tmp/i19_run_s0/triage.duckdb \\
      --truth /tmp/i19_replay_s0/truth --baseline-rev 80c2ccc
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
RESULTS = ROOT / "bench" / "results" / "symptoms_replay.json"


def score(detect, rows: list[tuple[str, str | None]], truth: dict[str, set[str]]) -> dict:  # noqa: ANN001
    from clustering import SYMPTOMS

    out = {}
    got = {rid: {s.name for s in detect(text)} for rid, text in rows}
    for s in SYMPTOMS:
        pos = [rid for rid in got if s in truth.get(rid, ())]
        neg = [rid for rid in got if rid in truth and s not in truth[rid]]
        tp = sum(1 for rid in pos if s in got[rid])
        fp = sum(1 for rid in neg if s in got[rid])
        out[s] = {
            "positives": len(pos),
            "recall": round(tp / len(pos), 4) if pos else None,
            "false_positives": fp,
            "false_positive_rate": round(fp / len(neg), 5) if neg else None,
        }
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--extract", required=True)
    p.add_argument("--truth", required=True)
    p.add_argument("--baseline-rev", default=None)
    p.add_argument("--label", default="current")
    args = p.parse_args()

    import duckdb
    import pyarrow.parquet as pq

    from clustering import detect_symptoms

    truth = {
        r["report_id"]: set(r["symptoms"])
        for r in pq.read_table(
            Path(args.truth) / "reports.parquet", columns=["report_id", "symptoms"]
        ).to_pylist()
    }
    con = duckdb.connect(args.extract, read_only=True)
    try:
        rows = con.execute("select report_id, response_redacted from reports").fetchall()
    finally:
        con.close()
    out: dict = {
        "extract": args.extract,
        "reports": len(rows),
        "current": score(detect_symptoms, rows, truth),
    }
    if args.baseline_rev:
        from bench_symptom_cost import _baseline_module

        out["baseline_rev"] = args.baseline_rev
        out["baseline"] = score(_baseline_module(args.baseline_rev).detect_symptoms, rows, truth)
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[args.label] = out
    RESULTS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
