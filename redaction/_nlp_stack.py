"""Imports spaCy and Presidio without the deep-learning stacks they load only when present.

thinc (under spaCy) imports torch if it is installed, and Presidio's ``nlp_engine`` package
imports transformers for its Hugging Face engine. The redactor uses neither: en_core_web_sm
runs on thinc's numpy ops, and the NLP engine is spaCy's. Both imports sit in
``try: ... except ImportError``, so while spaCy and Presidio load, torch and transformers are
made unimportable (``None`` in ``sys.modules``), then put back. That saves ~5 s of start-up
and ~0.5 GB in every process that redacts (each Beam worker is one); see docs/redaction.md.

Afterwards torch and transformers import normally (the transformer embedding backend needs
them); thinc alone keeps believing torch is absent, which only matters to torch-backed spaCy
pipelines, and this project loads none. A module imported before this one is left alone.
Every module of this package that imports spaCy or Presidio imports this module first.
While it runs (once per process), another thread importing torch would get an ImportError:
in the job it runs in the redaction DoFn's setup, and nothing else in a worker imports torch
(the default static embedding does not; the transformer backend loads in a later setup).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable

HIDDEN: tuple[str, ...] = ("torch", "transformers")
LOADED: tuple[str, ...] = ("spacy", "presidio_analyzer", "presidio_analyzer.predefined_recognizers")


def import_without(hidden: Iterable[str], modules: Iterable[str]) -> None:
    """Import ``modules`` while each not-yet-imported name in ``hidden`` raises ImportError."""
    added = [name for name in hidden if name not in sys.modules]
    for name in added:
        sys.modules[name] = None  # type: ignore[assignment]  # "import of X halted"
    try:
        for module in modules:
            importlib.import_module(module)
    finally:
        for name in added:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


import_without(HIDDEN, LOADED)
