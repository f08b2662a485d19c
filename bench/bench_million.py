"""Load benchmark: `triage simulate` + `triage run --runner multiprocess` + `triage evaluate`
at a given scale, with the peak memory of every process and of every stage.

    nice -n 5 .venv/bin/python bench/bench_million.py --scale 5     # ~100k reports
    nice -n 5 .venv/bin/python bench/bench_million.py --scale 50    # ~1M reports

Each command runs in a subprocess while a sampler polls the resident memory (RSS) of its
whole process tree (psutil, every 0.25 s): the peak of each process (launcher, Beam workers,
the clustering's shard processes) and of the tree. The job's progress lines (``[stage] N
reports, elapsed ... (done)``) mark the stages: the fused per-record stage (read, redact,
symptoms, embed, spill) until the first global step starts, then ``cluster``, ``join
routing`` and ``attribute`` (one worker, one after the other), then writing the staged
tables and publishing (the launcher) until the job exits. A stage's peak is the largest
RSS of any one process sampled inside its window, and the process it was in. Results are
merged into bench/results/million.json under ``scale=S,commit=C``. Timings are shared-CPU numbers
(2 vCPUs, other work may run): the load average at the start and end is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench/results/million.json"
KEY = "bench-key-0123456789abcdef0123"
_DONE = re.compile(r"\[(cluster|join routing|attribute)\] ([\d,]+) \w+, ([\d.]+)s, .*\(done\)")


def _role(proc: psutil.Process, root_pid: int) -> str:
    """A short name for a process of the tree (no arguments that could hold data)."""
    if proc.pid == root_pid:
        return "launcher"
    try:
        cmd = " ".join(proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return "gone"
    if "sdk_worker_main" in cmd or "worker_pool_main" in cmd or "sdk_worker" in cmd:
        return "beam-worker"
    if "loky" in cmd or "joblib" in cmd:
        return "shard-process"
    return "child"


class Sampler:
    """Polls the RSS of a process tree; keeps (t, pid, role, rss) samples and per-pid peaks."""

    def __init__(self, pid: int, every_s: float = 0.25):
        self.root = psutil.Process(pid)
        self.every_s = every_s
        self.samples: list[tuple[float, int, str, int, int]] = []  # t, pid, role, rss, tree
        self.roles: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.t0 = time.monotonic()

    def start(self) -> Sampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic() - self.t0
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            rows = []
            for p in procs:
                try:
                    rss = p.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                if p.pid not in self.roles:
                    self.roles[p.pid] = _role(p, self.root.pid)
                rows.append((p.pid, rss))
            tree = sum(r for _, r in rows)
            for pid, rss in rows:
                self.samples.append((now, pid, self.roles[pid], rss, tree))
            self._stop.wait(self.every_s)

    def peaks(self, t_from: float = 0.0, t_to: float = float("inf")) -> dict:
        """Peak RSS per process inside [t_from, t_to], the largest one, and the tree's peak."""
        per: dict[int, int] = {}
        tree = 0
        for t, pid, _, rss, tot in self.samples:
            if t_from <= t <= t_to:
                per[pid] = max(per.get(pid, 0), rss)
                tree = max(tree, tot)
        if not per:
            return {}
        top = max(per, key=per.get)
        return {
            "max_process_mb": round(per[top] / 2**20),
            "max_process": f"{self.roles[top]} (pid {top})",
            "tree_mb": round(tree / 2**20),
        }

    def per_process(self) -> list[dict]:
        per: dict[int, int] = {}
        for _, pid, _, rss, _ in self.samples:
            per[pid] = max(per.get(pid, 0), rss)
        return [
            {"pid": pid, "role": self.roles[pid], "peak_mb": round(rss / 2**20)}
            for pid, rss in sorted(per.items(), key=lambda kv: -kv[1])
            if rss > 50 * 2**20
        ]


def _measure(cmd: list[str], env: dict, log: Path) -> tuple[int, float, Sampler, list]:
    """Run ``cmd`` with a sampler on its tree; stderr lines with their arrival times."""
    t0 = time.monotonic()
    with log.open("w") as fh:
        proc = subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        sampler = Sampler(proc.pid).start()
        sampler.t0 = t0
        lines = []
        for line in proc.stdout:
            fh.write(line)
            fh.flush()
            lines.append((time.monotonic() - t0, line.rstrip("\n")))
        rc = proc.wait()
    wall = time.monotonic() - t0
    sampler.stop()
    return rc, wall, sampler, lines


def _stages(lines: list, wall: float, sampler: Sampler) -> dict:
    """Windows of the job's stages from its ``(done)`` lines, each with its peak memory."""
    ends = {}
    for t, line in lines:
        m = _DONE.search(line)
        if m:
            ends[m.group(1)] = (t, float(m.group(3)))
    out = {}
    if "cluster" not in ends:
        return {"job": {"wall_s": round(wall, 1), **sampler.peaks()}}
    windows = []
    cl_end, cl_s = ends["cluster"]
    windows.append(("per-record stage (read, redact, symptoms, embed, spill)", 0.0, cl_end - cl_s))
    windows.append(("cluster (read spills, dedupe, cluster, label)", cl_end - cl_s, cl_end))
    prev = cl_end
    for name in ("join routing", "attribute"):
        if name in ends:
            windows.append((name, prev, ends[name][0]))
            prev = ends[name][0]
    windows.append(("write staged tables + publish", prev, wall))
    for name, a, b in windows:
        out[name] = {"wall_s": round(b - a, 1), **sampler.peaks(a, b)}
    return out


_KEEP_STAGING = """
import os, shutil, sys
from pipeline.run import job
from pipeline.run import locations
dest, remove = sys.argv[1], locations.remove_staging
def keep(staging):
    if not os.path.exists(dest):
        shutil.copytree(staging, dest)
    remove(staging)
job.locations.remove_staging = keep
from pipeline.cli.main import main
sys.exit(main(["run", *sys.argv[2:]]))
"""


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=5.0)
    ap.add_argument("--work", default="/tmp/triage-million")
    ap.add_argument("--runner", default="multiprocess")
    ap.add_argument("--skip-evaluate", action="store_true")
    ap.add_argument("--label", default="", help="a note stored with the result")
    ap.add_argument(
        "--keep-staging",
        default=None,
        help="copy the run's staging folder (spill files, staged tables) here before it is "
        "removed, to study the global steps apart",
    )
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, TRIAGE_PSEUDONYM_KEY=KEY, HF_HUB_OFFLINE="1")
    triage = [sys.executable, "-m", "pipeline.cli.main"]
    replay = work / f"replay-{args.scale:g}"
    result: dict = {
        "scale": args.scale,
        "runner": args.runner,
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "cpu": os.cpu_count(),
        "load_avg_start": _load(),
        "label": args.label,
    }
    if not (replay / "truth/summary.json").exists():
        rc, wall, s, _ = _measure(
            [
                *triage,
                "simulate",
                "--output",
                str(replay),
                "--seed",
                "0",
                "--scale",
                str(args.scale),
            ],
            env,
            work / "simulate.log",
        )
        if rc:
            raise SystemExit(f"simulate failed (rc {rc}); see {work / 'simulate.log'}")
        result["simulate"] = {"wall_s": round(wall, 1), **s.peaks()}
    result["replay_reports"] = json.loads((replay / "truth/summary.json").read_text())["reports"]

    out = work / f"out-{args.scale:g}"
    run = [*triage, "run"]
    if args.keep_staging:
        run = [sys.executable, "-c", _KEEP_STAGING, args.keep_staging]
    rc, wall, s, lines = _measure(
        [*run, "--input", str(replay), "--output", str(out), "--runner", args.runner],
        env,
        work / "run.log",
    )
    if rc:
        raise SystemExit(f"triage run failed (rc {rc}); see {work / 'run.log'}")
    result["run"] = {
        "wall_s": round(wall, 1),
        **s.peaks(),
        "stages": _stages(lines, wall, s),
        "processes": s.per_process(),
        "progress": [ln.strip() for _, ln in lines if "(done)" in ln],
    }
    import duckdb

    con = duckdb.connect(str(out / "triage.duckdb"), read_only=True)
    row = con.execute(
        "select reports_in, reports_out, quarantined, duplicates, outside_window from runs"
    ).fetchone()
    con.close()
    result["accounting"] = dict(
        zip(
            ("reports_in", "reports_out", "quarantined", "duplicates", "outside_window"),
            row,
            strict=True,
        )
    )
    if not args.skip_evaluate:
        rc, wall, s, _ = _measure(
            [
                *triage,
                "evaluate",
                "--extract",
                str(out / "triage.duckdb"),
                "--truth",
                str(replay / "truth"),
            ],  # fmt: skip
            env,
            work / "evaluate.log",
        )
        result["evaluate"] = {"rc": rc, "wall_s": round(wall, 1), **s.peaks()}
    result["load_avg_end"] = _load()
    all_results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    all_results[f"scale={args.scale:g},commit={result['commit']}"] = result
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(all_results, indent=2, sort_keys=True) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
