"""Where `triage run` spends its time: py-spy samples of every process, summed by stage.

    pip install py-spy            # a profiler, not a project dependency
    .venv/bin/python bench/profile_job.py --replay /tmp/triage-bench/replay-1.0 \
        [--runner multiprocess] [--rate 20]

Runs the real job under ``py-spy record --subprocesses`` (so Beam's worker processes are
sampled too), then attributes each sample to the first stage whose frame is on its stack
(redaction, symptoms, clustering, Beam's element decoding, imports, ...). Writes
bench/results/profile-<replay name>-<runner>.json: CPU seconds per (process kind, stage).
Sampling slows the job by ~20%; the shares, not the wall time, are the result. Samples hold
function names only, never data.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-key-0123456789abcdef0123"

# (stage, a substring of a frame): the first rule whose frame is on the stack wins, so the
# stages nested in others (audit inside redaction) come first.
RULES: tuple[tuple[str, str], ...] = (
    ("redact: audit", "redaction/audit.py"),
    ("redact: spaCy NER", "pipe (spacy/language.py"),
    ("redact: redactor", "redact_batch"),
    ("redact: other", "_RedactBatch.process"),
    ("imports", "_find_and_load"),
    ("model setup", "setup ("),
    ("symptoms", "_with_symptoms"),
    ("embed", "_EmbedBatch.process"),
    ("cluster", "cluster_all"),
    ("attribute", "build_tables"),
    ("write staged tables", "_WriteStaging"),
    ("publish", "publish ("),
    ("read routing", "_KeyRoutingFile"),
    ("read feedback", "_ParseFeedbackFile"),
    ("join", "join_batch"),
    ("beam: pickled values", "PickleCoder"),
    ("beam: state cache sizing", "get_deep_size"),
    ("beam: element decoding", "process_encoded"),
    ("beam: bundles", "process_bundle"),
    ("grpc", "grpc"),
    ("waiting", "wait ("),
)


def classify(stack: list[str]) -> tuple[str, str]:
    """(process kind, stage) of one sampled stack (frames outermost first)."""
    kind = "worker" if len(stack) > 1 and "sdk_worker_main" in stack[1] else "launcher"
    for stage, pattern in RULES:
        if any(pattern in frame for frame in stack):
            return kind, stage
    return kind, "other"


def summarise(raw: Path, rate: int) -> dict[str, dict[str, float]]:
    """CPU seconds per process kind and stage from py-spy's raw (collapsed) output."""
    seconds: Counter[tuple[str, str]] = Counter()
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            seconds[classify(stack.split(";"))] += int(count) / rate
    out: dict[str, dict[str, float]] = {}
    for (kind, stage), s in sorted(seconds.items(), key=lambda kv: -kv[1]):
        out.setdefault(kind, {})[stage] = round(s, 1)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replay", type=Path, required=True)
    ap.add_argument("--runner", default="local")
    ap.add_argument("--rate", type=int, default=20, help="samples per second per process")
    args = ap.parse_args()
    py_spy = shutil.which("py-spy")
    if py_spy is None:
        print("py-spy is not installed: pip install py-spy", file=sys.stderr)
        return 2
    env = dict(os.environ, TRIAGE_PSEUDONYM_KEY=KEY, HF_HUB_OFFLINE="1", TRIAGE_QUIET="1")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "samples.txt"
        cmd = [
            py_spy, "record", "--subprocesses", "--rate", str(args.rate), "--format", "raw",
            "-o", str(raw), "--", sys.executable, "-m", "pipeline.cli.main", "run",
            "--input", str(args.replay), "--output", str(Path(tmp) / "out"),
            "--runner", args.runner,
        ]  # fmt: skip
        proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0 or not raw.exists():
            print(f"profiled run failed (exit {proc.returncode})", file=sys.stderr)
            return 1
        result = {
            "replay": str(args.replay),
            "runner": args.runner,
            "rate_hz": args.rate,
            "cpu_seconds": summarise(raw, args.rate),
        }
    out = ROOT / f"bench/results/profile-{args.replay.name}-{args.runner}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
