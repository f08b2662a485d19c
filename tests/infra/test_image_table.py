"""The image builds the distilled static embedding table (infra/Dockerfile): the Dockerfile's
own RUN command, run here with the image's TRIAGE_MODEL_CACHE pointed at a fresh folder,
leaves a table that a worker (`pipeline.run.stages`, via `cached_static_dir()`) then finds and
reads without distilling or writing anything."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import pytest

from tests.infra.conftest import INFRA, ROOT, infra_check_enabled


def _dockerfile_build_command() -> list[str]:
    text = (INFRA / "Dockerfile").read_text()
    (line,) = [
        ln for ln in text.splitlines() if ln.startswith("RUN ") and "cached_static_dir" in ln
    ]
    return shlex.split(line.removeprefix("RUN "))


def _snapshot(folder) -> dict[str, int]:  # noqa: ANN001
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


def test_the_dockerfile_command_builds_the_table_that_workers_read(tmp_path):
    if not infra_check_enabled():
        pytest.skip("distils the embedding table (about a minute of CPU): `make infra-check`")
    cache = tmp_path / "models"  # stands for ENV TRIAGE_MODEL_CACHE=/opt/triage/models
    argv = _dockerfile_build_command()
    assert argv[0] == "python"
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "TRIAGE_MODEL_CACHE": str(cache)}
    built = subprocess.run(
        [sys.executable, *argv[1:]], capture_output=True, text=True, env=env, cwd=ROOT,
        timeout=900,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    table_dir = built.stdout.strip().splitlines()[-1]
    assert re.fullmatch(rf"{re.escape(str(cache))}/static-all-minilm-l6-v2-d\d+-r\d+", table_dir)
    before = _snapshot(cache)
    # A worker: finds the table, loads it and embeds, writing nothing to the cache.
    worker = (
        "from clustering.static import StaticEncoder, cached_static_dir;"
        "d = cached_static_dir(); print(d);"
        "print(StaticEncoder.load(d).encode(['checkout fails after login']).shape)"
    )
    run = subprocess.run(
        [sys.executable, "-c", worker], capture_output=True, text=True,
        env={**env, "HOME": str(tmp_path / "home")}, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.strip().splitlines()
    assert lines[0] == table_dir and lines[1].startswith("(1, ")
    assert _snapshot(cache) == before
    assert not (tmp_path / "home").exists()  # nothing distilled into a home cache
    assert os.listdir(cache) == [os.path.basename(table_dir)]
