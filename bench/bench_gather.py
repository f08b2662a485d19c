"""The job's gather of every report, two ways: Beam's ``ToList()`` (whose default value for
an empty input is implemented by reading the gathered list back as a side input) against
``ToList().without_defaults()`` with a ``None`` anchor (what `stages.ClusterReports` does).
The job now gathers only the paths of spill files that way (`pipeline/run/spill.py`); this
benchmark still sends the records themselves through the runner, the cost the files avoid.

Synthetic records shaped like the job's (two redacted texts, a 1 KB embedding); no personal
data. Results go to bench/results/gather.json.

    .venv/bin/python bench/bench_gather.py --records 40000 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner

ROOT = Path(__file__).resolve().parents[1]


def _record(i: int) -> dict:
    return {
        "report_id": f"r{i:08d}",
        "comment_redacted": "the answer switched language halfway " * 8,
        "response_redacted": "def f(x):\n    return x + 1\n" * 60,
        "embedding": os.urandom(1024),
        "symptoms": ["unexpected_script"],
        "submitted_us": i,
    }


def _run(n: int, mode: str, workers: int) -> float:
    opts = PipelineOptions(
        ["--direct_running_mode=multi_processing", f"--direct_num_workers={workers}"]
    )
    started = time.monotonic()
    with beam.Pipeline(runner=FnApiRunner(), options=opts) as p:
        records = p | "Ids" >> beam.Create(range(n)) | "Records" >> beam.Map(_record)
        if mode == "tolist_default":
            gathered = records | "Gather" >> beam.combiners.ToList()
        else:
            anchor = p | "Anchor" >> beam.Create([None])
            gathered = (
                (records, anchor)
                | "WithAnchor" >> beam.Flatten()
                | "Gather" >> beam.combiners.ToList().without_defaults()
            )
        _ = gathered | "Count" >> beam.Map(len)
    return round(time.monotonic() - started, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=40_000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    result: dict = {"records": args.records, "workers": args.workers, "seconds": {}}
    for _ in range(args.rounds):  # alternating, so drift on the VM hits both alike
        for mode in ("tolist_default", "anchor_without_defaults"):
            result["seconds"].setdefault(mode, []).append(_run(args.records, mode, args.workers))
    out = ROOT / "bench/results/gather.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
