"""Cost per report of the symptom stage (``detect_symptoms`` on each response excerpt).

Results: bench/results/symptoms_cost.json, one section per ``--label``.

Usage (replays are synthetic; nothing here prints or writes report text):
  .venv/bin/triage simulate --output /tmp/i19_replay_s0 --scale 0.25 --seed 0 --quiet
  nice -n 10 .venv/bin/python bench/bench_symptom_cost.py --replay /tmp/i19_replay_s0 \
      --label before
  # after a change, side by side with the code of an earlier commit in the same process:
  nice -n 10 .venv/bin/python bench/bench_symptom_cost.py --replay /tmp/i19_replay_s0 \
      --label after --baseline-rev 80c2ccc

The pipeline calls ``detect_symptoms`` once per report, on the redacted response excerpt
(``pipeline/run/stages.py``); this benchmark calls it the same way on the replay's raw excerpts.
With ``--baseline-rev`` the ``clustering/symptoms.py`` of that commit is loaded as a second
module (it shares ``clustering.code`` and ``clustering.scripts`` with the working tree) and the
two are timed in alternating rounds, so machine load hits both alike: on this 2-core machine,
shared with other work, only such same-process ratios are meaningful.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
RESULTS = ROOT / "bench" / "results" / "symptoms_cost.json"


def _responses(replays: list[str]) -> list[str]:
    from bench_clustering import load_reports

    out = []
    for replay in replays:
        recs, _ = load_reports(replay)
        out += [r["response_excerpt"] for r in recs if isinstance(r.get("response_excerpt"), str)]
    return out


def _baseline_module(rev: str):  # noqa: ANN202
    src = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:clustering/symptoms.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path("/tmp") / f"symptoms_baseline_{rev}.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("clustering._symptoms_baseline", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def _time(fn, texts: list[str]) -> float:  # noqa: ANN001
    t0 = time.perf_counter()
    for t in texts:
        fn(t)
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--replay", nargs="+", required=True)
    p.add_argument("--label", required=True)
    p.add_argument("--baseline-rev", default=None, help="git revision to time side by side")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument(
        "--word-knowledge",
        action="store_true",
        help="time detect_symptoms(truncation_word_knowledge=True) as the current code",
    )
    args = p.parse_args()

    from functools import partial

    from clustering import detect_symptoms

    texts = _responses(args.replay)
    current = partial(detect_symptoms, truncation_word_knowledge=args.word_knowledge)
    impls = {"current": current}
    if args.baseline_rev:
        impls["baseline"] = _baseline_module(args.baseline_rev).detect_symptoms
    for fn in impls.values():  # warm-up: parsers built, bash -n results memoised for both
        _time(fn, texts)
    rounds: dict[str, list[float]] = {k: [] for k in impls}
    for _ in range(args.rounds):
        for name, fn in impls.items():
            rounds[name].append(_time(fn, texts))
    rev = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    out: dict = {
        "texts": len(texts),
        "replays": args.replay,
        "rounds": args.rounds,
        "head": rev,
        "machine_note": "2 CPU cores shared with other work; compare within one run only",
        "truncation_word_knowledge": args.word_knowledge,
    }
    for name, ts in rounds.items():
        out[name] = {
            "us_per_report_median": round(1e6 * statistics.median(ts) / len(texts), 1),
            "us_per_report_min": round(1e6 * min(ts) / len(texts), 1),
        }
    if args.baseline_rev:
        out["baseline_rev"] = args.baseline_rev
        out["ratio_current_over_baseline_median"] = round(
            statistics.median(rounds["current"]) / statistics.median(rounds["baseline"]), 3
        )
        out["ratio_current_over_baseline_min"] = round(
            min(rounds["current"]) / min(rounds["baseline"]), 3
        )
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[args.label] = out
    RESULTS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(json.dumps({args.label: out}, indent=2))


if __name__ == "__main__":
    main()
