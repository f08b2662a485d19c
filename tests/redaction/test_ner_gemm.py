"""The NER model's BLAS: numpy's instead of blis, one thread while NER runs, same output."""

from __future__ import annotations

import pytest
from threadpoolctl import ThreadpoolController, threadpool_info

from redaction import Redactor
from redaction.ner_gemm import SingleThreadBlas, set_ner_gemm
from redaction.redactor import DEFAULT_SPACY_MODEL, load_ner_only

# Synthetic people and places only.
TEXTS = [
    "Thanks, Priya Raman fixed it. Ask Tomasz Kowalczyk or Aisha Bello about the rollout.",
    "Signed -- Jordan Ellis, Springfield office. The answer switched to Thai halfway.",
    "I told Hiroshi Tanaka that the code broke; Ingrid Svensson saw the same in Paris.",
    "Nothing personal here, the model just repeated itself until the end.",
]


def _ner_entities(nlp, texts):
    return [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe(texts)]


def _blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


@pytest.fixture(scope="module")
def nlp():
    return load_ner_only(DEFAULT_SPACY_MODEL)


def test_numpy_and_blis_gemm_tag_the_same_entities(nlp):
    set_ner_gemm(nlp, "blis")
    with_blis = _ner_entities(nlp, TEXTS)
    set_ner_gemm(nlp, "numpy")
    with_numpy = _ner_entities(nlp, TEXTS)
    assert with_numpy == with_blis
    assert sum(label == "PERSON" for ents in with_numpy for *_, label in ents) >= 5


def test_every_ner_layer_uses_the_chosen_backend(nlp):
    set_ner_gemm(nlp, "numpy")
    layers = list(nlp.get_pipe("ner").model.walk())
    assert len(layers) > 10
    assert all(layer.ops.use_blis is False for layer in layers)
    set_ner_gemm(nlp, "blis")
    assert all(layer.ops.use_blis is True for layer in nlp.get_pipe("ner").model.walk())


def test_unknown_backend_is_a_clear_error(nlp):
    with pytest.raises(ValueError, match="mkl"):
        set_ner_gemm(nlp, "mkl")


def test_single_thread_blas_is_scoped_and_reentrant():
    if not _blas_threads():
        pytest.skip("numpy links no BLAS that threadpoolctl can see")
    with ThreadpoolController().limit(limits=2, user_api="blas"):
        guard = SingleThreadBlas()
        assert _blas_threads() == {2}
        with guard:
            assert _blas_threads() == {1}
            with guard:
                assert _blas_threads() == {1}
            assert _blas_threads() == {1}
        assert _blas_threads() == {2}


def test_redactor_multiplies_through_numpy_by_default(redactor: Redactor):
    layers = list(redactor._nlp.get_pipe("ner").model.walk())
    assert all(layer.ops.use_blis is False for layer in layers)
