"""The run lock: one run per output directory, a clear skip (exit 75), no stale locks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.extract.lock import EX_TEMPFAIL, HOLDER_SUFFIX, LOCK_NAME, RunLock, RunLocked
from pipeline.extract.publish import TriageError

ROOT = Path(__file__).resolve().parents[2]
HOLD = (
    "import sys, time; from pathlib import Path; from pipeline.extract.lock import RunLock; "
    "lock = RunLock(Path(sys.argv[1])).acquire(); print('held', flush=True); time.sleep(120)"
)


def _hold_in_subprocess(out: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(out)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_second_holder_is_refused_until_the_first_releases(tmp_path):
    first = RunLock(tmp_path / "out").acquire()
    assert first.held and (tmp_path / "out" / LOCK_NAME).exists()
    with pytest.raises(RunLocked) as exc:
        RunLock(tmp_path / "out").acquire()
    assert exc.value.exit_code == EX_TEMPFAIL == 75
    assert isinstance(exc.value, TriageError)
    msg = str(exc.value)
    assert "\n" not in msg and "locked by another run" in msg and f"pid {os.getpid()}" in msg
    first.release()
    first.release()  # idempotent
    with RunLock(tmp_path / "out") as again:
        assert again.held
    assert not again.held


def test_lock_is_per_directory(tmp_path):
    with RunLock(tmp_path / "a"), RunLock(tmp_path / "b") as b:
        assert b.held


def test_a_lock_held_by_another_process_names_it_and_is_freed_when_it_dies(tmp_path):
    out = tmp_path / "out"
    proc = _hold_in_subprocess(out)
    try:
        with pytest.raises(RunLocked) as exc:
            RunLock(out).acquire()
        assert f"pid {proc.pid}" in str(exc.value)
    finally:
        proc.send_signal(signal.SIGKILL)  # a crash: no release, the lock file stays behind
        proc.wait(timeout=30)
    assert (out / LOCK_NAME).exists()
    assert (out / (LOCK_NAME + HOLDER_SUFFIX)).read_text().startswith(f"pid {proc.pid}")
    with RunLock(out) as lock:  # stale files, no stale lock
        assert lock.held
        assert (out / (LOCK_NAME + HOLDER_SUFFIX)).read_text().startswith(f"pid {os.getpid()}")


def test_job_run_refuses_a_locked_output_before_any_work(tmp_path, small_replay, monkeypatch):
    from pipeline.run import job
    from pipeline.run.options import KeySource, RunOptions

    monkeypatch.setenv("TRIAGE_PSEUDONYM_KEY", "lock-test-key-0123456789abcdef")
    out = tmp_path / "out"
    opts = RunOptions(input_dir=small_replay, output_dir=out, key=KeySource())
    with RunLock(out):
        t0 = time.monotonic()
        with pytest.raises(RunLocked):
            job.run(opts)
        assert time.monotonic() - t0 < 60
    assert [p.name for p in out.iterdir() if p.name != LOCK_NAME] == []  # no staging, no extract


def test_schedule_cli_exits_75_with_one_line_when_the_output_is_locked(tmp_path, small_replay):
    out = tmp_path / "out"
    proc = _hold_in_subprocess(out)
    try:
        env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "TRIAGE_PSEUDONYM_KEY": "k" * 32}
        res = subprocess.run(
            [sys.executable, "-m", "pipeline.cli.main", "schedule", "--input", str(small_replay)]
            + ["--output", str(out), "--date", "2025-08-27"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert res.returncode == 75, res.stderr[-500:]
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("triage schedule: skipped: output directory")
    assert f"pid {proc.pid}" in last
    assert not (out / "daily").exists()
