"""cached_static_dir: one distilled static model per cache root, safe under concurrent setup()."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clustering.static import cached_static_dir


def test_published_directory_is_reused_and_env_root_honoured(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    # A directory is published only by an atomic rename of a complete build, so one holding
    # modules.json is returned as is, without distilling (this test returns at once).
    monkeypatch.setenv("TRIAGE_MODEL_CACHE", str(tmp_path / "env_root"))
    target = tmp_path / "env_root" / "static-all-minilm-l6-v2-d64-r1"
    target.mkdir(parents=True)
    (target / "modules.json").write_text("[]")
    assert cached_static_dir(dim=64) == str(target)
    assert cached_static_dir(str(tmp_path / "env_root"), dim=64) == str(target)
    assert not (tmp_path / "env_root" / "static-all-minilm-l6-v2-d256-r1").exists()


def test_bad_dim() -> None:
    with pytest.raises(ValueError):
        cached_static_dir("/nonexistent-root-never-created", dim=0)


@pytest.mark.slow
def test_concurrent_builders_publish_one_directory(tmp_path: Path) -> None:
    code = (
        "import sys; from clustering.static import cached_static_dir; "
        "print(cached_static_dir(sys.argv[1], dim=32))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=600)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert outs[0] == outs[1] and (Path(outs[0]) / "modules.json").exists()
    # Only the published directory is left: the loser's temporary copy was removed.
    assert sorted(p.name for p in tmp_path.iterdir()) == [Path(outs[0]).name]
