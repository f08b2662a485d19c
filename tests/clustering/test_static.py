"""cached_static_dir: one distilled static model per cache root, safe under concurrent setup()."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
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


def test_static_encoder_rejects_a_mismatched_table_and_a_missing_model(tmp_path: Path) -> None:
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel

    from clustering.static import StaticEncoder

    tokenizer = Tokenizer(WordLevel({"a": 0, "b": 1, "[UNK]": 2}, unk_token="[UNK]"))
    with pytest.raises(ValueError, match="vocabulary"):
        StaticEncoder(tokenizer, np.zeros((5, 4), dtype=np.float32))
    with pytest.raises(FileNotFoundError, match="not a saved static model"):
        StaticEncoder.load(tmp_path)


def test_static_encoder_mean_of_rows_normalised() -> None:
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    from clustering.static import StaticEncoder

    tokenizer = Tokenizer(WordLevel({"a": 0, "b": 1, "[UNK]": 2}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Whitespace()
    table = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=np.float32)
    out = StaticEncoder(tokenizer, table).encode(["a", "a b", "a a b", "", "zzz"])
    assert out.shape == (5, 2) and out.dtype == np.float32
    np.testing.assert_allclose(out[0], [1.0, 0.0])
    np.testing.assert_allclose(out[1], [2**-0.5, 2**-0.5], rtol=1e-6)
    np.testing.assert_allclose(out[2], np.array([2.0, 1.0]) / 5**0.5, rtol=1e-6)
    np.testing.assert_array_equal(out[3], [0.0, 0.0])  # no token
    np.testing.assert_array_equal(out[4], [0.0, 0.0])  # only a zero row
    assert StaticEncoder(tokenizer, table).encode([]).shape == (0, 2)


@pytest.mark.slow
def test_static_encoder_matches_sentence_transformers() -> None:
    """The numpy path gives sentence-transformers' StaticEmbedding vectors (float32
    rounding apart): same tokenizer, truncation, mean and normalisation."""
    from clustering.embed import default_model_path
    from clustering.static import StaticEncoder, load_or_distill

    folder = cached_static_dir()
    texts = [
        "the answer switched to Thai halfway",
        "",
        "   ",
        "café naïve – déjà vu 🙂 ภาษาไทย 中文",
        "word " * 400,  # past the tokenizer's 128-token truncation
        "x",
    ]
    ours = StaticEncoder.load(folder).encode(texts)
    theirs = load_or_distill(default_model_path(), folder).encode(
        texts, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
    )
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=1e-6)


@pytest.mark.slow
def test_static_backend_loads_without_torch() -> None:
    folder = cached_static_dir()  # built here if absent (distilling needs torch once)
    code = (
        "import sys; from clustering import Embedder; "
        "e = Embedder(backend='static', static_dir=sys.argv[1]); "
        "assert e.encode(['thai characters']).shape == (1, 256); "
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') "
        "if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = subprocess.run(
        [sys.executable, "-c", code, folder], capture_output=True, text=True, env=env, timeout=600
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"
