"""Shared fixtures: a small replay generated once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
