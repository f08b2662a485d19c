"""Shared fixtures: a small replay generated once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI (.ci/run exports HYPOTHESIS_PROFILE=ci) draws the same examples on every run, so a red
# CI means a change broke something, not that the random search met an old counterexample
# that run. `make test` elsewhere keeps searching at random and keeps what it finds in
# .hypothesis/ (replayed first next time).
settings.register_profile("ci", derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Tests never touch the network: models come from installed packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def small_replay(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The postmortem replay at scale 0.1 (about 2,000 reports), seed 7."""
    from pipeline.replay.generate import simulate

    out = tmp_path_factory.mktemp("replay")
    simulate(out, seed=7, scale=0.1)
    return out


TEST_KEY = "e2e-test-key-0123456789abcdef"


def run_triage(input_dir: Path, out: Path, *extra: str, key: str | None = TEST_KEY):
    """`triage run` in a subprocess with a clean environment; returns CompletedProcess."""
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "TRIAGE_QUIET": "1"}
    if key:
        env["TRIAGE_PSEUDONYM_KEY"] = key
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.cli.main",
            "run",
            "--input",
            str(input_dir),
            "--output",
            str(out),
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        timeout=1200,
    )


@pytest.fixture(scope="session")
def triage_extract(small_replay, tmp_path_factory) -> Path:
    """OUT directory of one real `triage run` over `small_replay` (shared by all tests).

    Read it only (open DuckDB with read_only=True); copy it before changing anything.
    """
    out = tmp_path_factory.mktemp("extract")
    proc = run_triage(small_replay, out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (out / "run_stdout.txt").write_text(proc.stdout)
    return out
