"""End-to-end benchmark of `triage run` against the sum of its stand-alone library stages.

    .venv/bin/python bench/bench_pipeline.py --scale 1.0 [--runner local|multiprocess]

Generates the replay at the given scale (cached under --work), runs the real job in a
subprocess (wall time, peak memory of the job's processes), then runs the same work through
the libraries alone, stage by stage, in this process (the baseline: redaction, the
residual-data audit the job runs on every batch, symptoms, embedding, clustering, join +
attribution; the libraries' import time is reported apart, as ``import_s``, and the overhead
is given without and with it). Results go to bench/results/pipeline.json (merged by scale and
runner). Timings on this machine are shared-CPU numbers: say so when
quoting them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench/results/pipeline.json"
KEY = "bench-key-0123456789abcdef0123"


def _replay(work: Path, scale: float) -> Path:
    from pipeline.replay.generate import simulate

    out = work / f"replay-{scale}"
    if not (out / "truth/summary.json").exists():
        simulate(out, seed=0, scale=scale)
    return out


def _run_job(replay: Path, out: Path, runner: str) -> dict:
    env = dict(os.environ, TRIAGE_PSEUDONYM_KEY=KEY, HF_HUB_OFFLINE="1")
    t0 = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.cli.main",
            "run",
            "--input",
            str(replay),
            "--output",
            str(out),
            "--runner",
            runner,
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        raise SystemExit(f"triage run failed: {proc.stderr[-2000:]}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    stages = [ln.strip() for ln in proc.stderr.splitlines() if "(done)" in ln]
    return {
        "wall_s": round(wall, 1),
        "peak_rss_mb": round(peak_kb / 1024),
        "stage_progress": stages,
    }


def _baseline(replay: Path) -> dict:
    """The same work through the libraries alone, timed per stage; ``import_s`` is the time
    to import the libraries (Presidio, spaCy, scikit-learn, ...), which the job also pays."""
    started = time.monotonic()
    import numpy as np
    import pyarrow as pa

    from clustering import (
        Embedder,
        ReportClusterer,
        detect_symptoms,
        embedding_text,
        label_clusters,
        symptom_matrix,
    )
    from clustering.static import cached_static_dir
    from joins import attribute, join_reports
    from pipeline.run.inputs import read_table_dir
    from pipeline.run.options import RunOptions
    from pipeline.run.validate import parse_feedback_line
    from redaction import Pseudonymizer, Redactor
    from redaction.audit import audit_batch

    import_s = time.monotonic() - started
    times: dict[str, float] = {}
    t = time.monotonic()
    records = {}
    for path in sorted((replay / "feedback").glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            rec, _ = parse_feedback_line(line)
            if rec:
                records[rec.report_id] = rec
    recs = [records[k] for k in sorted(records)]
    times["read"] = time.monotonic() - t

    t = time.monotonic()
    redactor = Redactor()
    ps = Pseudonymizer(KEY.encode())
    comments, responses = [], []
    audit_s = 0.0
    size = RunOptions.redaction_batch  # the job's batch of records (a dataclass default)
    for i in range(0, len(recs), size):
        batch = recs[i : i + size]
        texts = [x for r in batch for x in (r.comment, r.response_excerpt)]
        out = redactor.redact_batch(texts)
        # The residual audit, as the job runs it: per batch, with the batch's raw ids; what
        # it finds is masked in the texts that go on.
        a = time.monotonic()
        raw_ids = {v for r in batch for v in (r.user_id, r.session_id, r.request_id) if v}
        audited = audit_batch([o.text for o in out], raw_ids).texts
        audit_s += time.monotonic() - a
        comments += audited[0::2]
        responses += audited[1::2]
    times["redact"] = time.monotonic() - t - audit_s
    times["audit"] = audit_s

    t = time.monotonic()
    symptoms = [sorted({s.name for s in detect_symptoms(r)}) for r in responses]
    times["symptoms"] = time.monotonic() - t

    t = time.monotonic()
    embedder = Embedder(backend="static", static_dir=cached_static_dir())
    emb = embedder.encode(
        [embedding_text(c, r, s) for c, r, s in zip(comments, responses, symptoms, strict=True)]
    )
    times["embed"] = time.monotonic() - t

    t = time.monotonic()
    labels = ReportClusterer(random_state=0, n_jobs=-1).fit_predict(emb, symptom_matrix(symptoms))
    label_clusters([c or "" for c in comments], labels, symptoms)
    times["cluster"] = time.monotonic() - t

    t = time.monotonic()
    routing = read_table_dir(str(replay), "routing")
    routing = routing.set_column(
        routing.schema.get_field_index("request_id"),
        "request_id",
        pa.array([ps.pseudonym(x, "request") for x in routing.column("request_id").to_pylist()]),
    )
    reports = pa.table(
        {
            "report_id": [r.report_id for r in recs],
            "cluster_id": [f"c{k}" if k >= 0 else None for k in np.asarray(labels).tolist()],
            "submitted_hour": pa.array(
                [r.submitted_at.replace(minute=0, second=0, microsecond=0) for r in recs],
                pa.timestamp("us", tz="UTC"),
            ),
            "user_pseudonym": [ps.pseudonym(r.user_id, "user") for r in recs],
            "session_pseudonym": [ps.pseudonym(r.session_id, "session") for r in recs],
            "request_pseudonym": [ps.pseudonym(r.request_id, "request") for r in recs],
        }
    )
    joined = join_reports(reports, routing)
    traffic = read_table_dir(str(replay), "traffic")
    dims = [c for c in routing.column_names if c not in ("request_id", "ts")]
    attribute(joined, traffic, dimensions=dims)
    times["join_attribute"] = time.monotonic() - t
    return {
        "reports": len(recs),
        "stage_s": {k: round(v, 1) for k, v in times.items()},
        "sum_s": round(sum(times.values()), 1),
        "import_s": round(import_s, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--runner", default="local")
    ap.add_argument("--work", default="/tmp/triage-bench")
    ap.add_argument("--skip-baseline", action="store_true")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    replay = _replay(work, args.scale)
    job = _run_job(replay, work / f"out-{args.scale}-{args.runner}", args.runner)
    reports = json.loads((replay / "truth/summary.json").read_text())["reports"]
    result = {
        "scale": args.scale,
        "runner": args.runner,
        "replay_reports": reports,
        "job": job,
        "reports_per_s": round(reports / job["wall_s"], 1),
        "cpu": os.cpu_count(),
        "note": "2 shared cores; other work may have run",
    }
    if not args.skip_baseline:
        base = _baseline(replay)
        result["baseline"] = base
        if args.runner == "local":  # one process against one process
            result["overhead_vs_baseline"] = round(job["wall_s"] / base["sum_s"] - 1, 3)
            # A stand-alone run of the stages would import the libraries too.
            with_imports = base["sum_s"] + base["import_s"]
            result["overhead_vs_baseline_with_imports"] = round(job["wall_s"] / with_imports - 1, 3)
        else:  # N worker processes against a perfect N-way split of the one-process sum
            ideal = base["sum_s"] / (os.cpu_count() or 1)
            result["overhead_vs_ideal_parallel"] = round(job["wall_s"] / ideal - 1, 3)
    all_results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    all_results[f"scale={args.scale},runner={args.runner}"] = result
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(all_results, indent=2, sort_keys=True) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
