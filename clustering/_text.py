"""Text helpers shared by the detectors: GIL-holding patterns, placeholder masking, offsets.

Redaction replaces personal data with typed placeholders such as ``<PERSON>``. Detectors must
neither flag them nor be confused by them, so they are masked with spaces of the same length:
every offset into the masked text is also an offset into the original text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import regex


class HeldGilPattern:
    """A compiled ``regex`` pattern whose every match call keeps the GIL (``concurrent=False``).

    The ``regex`` module releases the GIL while it matches a str. In a Beam worker, where
    gRPC threads also take the GIL, each release can cost a wait of up to the interpreter's
    switch interval (5 ms) to get it back: with one busy Python thread beside it,
    ``detect_symptoms`` on 3,000 replay responses took 15.8 s instead of 0.56 s (ad hoc).
    The detectors' matches are short, so releasing the GIL gains nothing.
    """

    __slots__ = ("_compiled",)

    def __init__(self, compiled: regex.Pattern) -> None:
        self._compiled = compiled

    @property
    def pattern(self) -> str | bytes:
        return self._compiled.pattern

    def search(self, string: Any, *args: Any, **kwargs: Any) -> regex.Match | None:
        return self._compiled.search(string, *args, concurrent=False, **kwargs)

    def match(self, string: Any, *args: Any, **kwargs: Any) -> regex.Match | None:
        return self._compiled.match(string, *args, concurrent=False, **kwargs)

    def fullmatch(self, string: Any, *args: Any, **kwargs: Any) -> regex.Match | None:
        return self._compiled.fullmatch(string, *args, concurrent=False, **kwargs)

    def finditer(self, string: Any, *args: Any, **kwargs: Any) -> Iterator[regex.Match]:
        return self._compiled.finditer(string, *args, concurrent=False, **kwargs)

    def findall(self, string: Any, *args: Any, **kwargs: Any) -> list:
        return self._compiled.findall(string, *args, concurrent=False, **kwargs)

    def sub(self, repl: Any, string: Any, *args: Any, **kwargs: Any) -> Any:
        return self._compiled.sub(repl, string, *args, concurrent=False, **kwargs)

    def split(self, string: Any, *args: Any, **kwargs: Any) -> list:
        return self._compiled.split(string, *args, concurrent=False, **kwargs)


def compile_held(pattern: str | bytes, flags: int = 0) -> HeldGilPattern:
    """``regex.compile(pattern, flags)``, matching with the GIL held (:class:`HeldGilPattern`)."""
    return HeldGilPattern(regex.compile(pattern, flags))


# A redaction placeholder: `<` + upper-case type name + `>`, optionally with a pseudonym suffix
# such as `<PERSON_3>`. Code such as `List<T>` or `<div>` is not upper-case-with-underscores.
PLACEHOLDER_RE = compile_held(r"<[A-Z][A-Z0-9_]{1,40}>")


def mask_placeholders(text: str) -> str:
    """Return ``text`` with every placeholder replaced by spaces of equal length.

    Offsets are preserved: ``len(result) == len(text)``.
    """
    if "<" not in text:
        return text
    return PLACEHOLDER_RE.sub(lambda m: " " * (m.end() - m.start()), text)


def is_placeholder(token: str) -> bool:
    """True when ``token`` is exactly one placeholder (e.g. ``<EMAIL_ADDRESS>``)."""
    return PLACEHOLDER_RE.fullmatch(token) is not None
