"""Which BLAS multiplies the NER model's matrices, and on how many threads.

thinc (spaCy's model library) sends every float32 matrix product through blis. On machines
whose hypervisor hides AVX2 (this project's VMs), blis falls back to a generic kernel while
numpy's OpenBLAS still picks a fast one for the NER's shapes ((tokens x 288) @ (288 x 288)),
with identical spans; the speed-up is measured with ``bench/bench_redaction.py
--ner-gemm-only`` and quoted in docs/redaction.md.

Numpy's BLAS is held to one thread while the Redactor analyses a batch (NER included): the
job's parallelism is one worker per core, and BLAS threads on top of that only contend for
the same cores.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from spacy.language import Language

GemmBackend = Literal["numpy", "blis"]
GEMM_BACKENDS: tuple[str, ...] = ("numpy", "blis")


def set_ner_gemm(nlp: Language, backend: GemmBackend = "numpy") -> None:
    """Make every layer of ``nlp``'s NER model multiply through ``backend``.

    :param nlp: a pipeline with an ``ner`` component (see ``load_ner_only``).
    :param backend: ``"numpy"`` (numpy's BLAS) or ``"blis"`` (thinc's default).
    :raises ValueError: for any other backend name.
    """
    from thinc.api import NumpyOps

    if backend not in GEMM_BACKENDS:
        raise ValueError(f"ner gemm backend must be one of {GEMM_BACKENDS}, got {backend!r}")
    ops = NumpyOps(use_blis=backend == "blis")
    for layer in nlp.get_pipe("ner").model.walk():
        layer.ops = ops


class SingleThreadBlas:
    """A reusable context manager: numpy's BLAS on one thread inside, as before outside.

    Built once (finding the loaded BLAS libraries takes a few milliseconds); entering it
    costs only the set-threads calls. Like the Redactor that holds it, one thread at a time.
    """

    def __init__(self) -> None:
        from threadpoolctl import ThreadpoolController

        self._controller = ThreadpoolController()
        self._active: list[AbstractContextManager] = []

    def __enter__(self) -> SingleThreadBlas:
        limiter = self._controller.limit(limits=1, user_api="blas")
        self._active.append(limiter)
        return self

    def __exit__(self, *exc: object) -> None:
        self._active.pop().restore_original_limits()
