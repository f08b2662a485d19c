"""Imports spaCy and Presidio without the deep-learning stacks they load only when present.

thinc (under spaCy) imports torch if it is installed, and Presidio's ``nlp_engine`` package
imports transformers for its Hugging Face engine. The redactor uses neither: en_core_web_sm
runs on thinc's numpy ops, and the NLP engine is spaCy's. Both imports sit in
``try: ... except ImportError``, so while spaCy and Presidio load, an import of torch or
transformers *from this thread* raises ImportError (a finder first on ``sys.meta_path``,
switched on for this thread only). That saves ~5 s of start-up and the libraries' memory in
every process that redacts (each Beam worker is one); see docs/redaction.md.

Afterwards torch and transformers import normally (the transformer embedding backend needs
them), and another thread may import them at any time; thinc alone keeps believing torch is
absent, which only matters to torch-backed spaCy pipelines, and this project loads none. A
module imported before this one is left alone. Every module of this package that imports
spaCy or Presidio imports this module first.
"""

from __future__ import annotations

import importlib
import importlib.abc
import sys
import threading
from collections.abc import Iterable

HIDDEN: tuple[str, ...] = ("torch", "transformers")
LOADED: tuple[str, ...] = ("spacy", "presidio_analyzer", "presidio_analyzer.predefined_recognizers")

_hiding = threading.local()


class _HiddenOnThisThread(importlib.abc.MetaPathFinder):
    """Refuses the top-level packages in ``hidden`` while this thread's flag is set."""

    def __init__(self, hidden: Iterable[str]) -> None:
        self.hidden = frozenset(hidden)

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001, ANN201, D102
        if getattr(_hiding, "on", False) and fullname.partition(".")[0] in self.hidden:
            raise ModuleNotFoundError(f"{fullname} is hidden while spaCy loads", name=fullname)
        return None


def import_without(hidden: Iterable[str], modules: Iterable[str]) -> None:
    """Import ``modules`` while, on this thread, importing a package in ``hidden`` that is not
    imported yet raises ImportError."""
    finder = _HiddenOnThisThread(hidden)
    sys.meta_path.insert(0, finder)
    _hiding.on = True
    try:
        for module in modules:
            importlib.import_module(module)
    finally:
        _hiding.on = False
        sys.meta_path.remove(finder)


import_without(HIDDEN, LOADED)
