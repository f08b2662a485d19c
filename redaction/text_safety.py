"""Make arbitrary input strings safe to analyze without changing their offsets.

Every function here maps a str to a str of the same length (one code point for one code
point), so spans found in the safe copy are valid offsets into the original.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
REPLACEMENT_CHAR = "\ufffd"


def digit_count(text: str) -> int:
    """Digits in ``text``; counts every Unicode digit, so never fewer than a pattern's \\d.
    (``map`` over the string: no Python-level generator frame per character.)"""
    return sum(map(str.isdigit, text))


def replace_surrogates(text: str) -> str:
    """Replace lone surrogates (not encodable as UTF-8) with U+FFFD, keeping the length.

    Applied to the *output* too: Arrow/Parquet writers reject lone surrogates, so the
    defined result for such input is the replacement character in their place.
    """
    return _SURROGATE.sub(REPLACEMENT_CHAR, text)


def analysis_copy(text: str) -> str:
    """Same-length copy for the detectors: surrogates -> U+FFFD, control chars/NUL -> space.

    A NUL or other C0 control character inside a token would otherwise glue or split tokens
    unpredictably for spaCy and the regexes; a space keeps token boundaries sensible.
    """
    return _CONTROL.sub(" ", replace_surrogates(text))


@dataclass(frozen=True)
class Chunk:
    """A slice ``text[offset:offset+len(chunk)]`` of document ``doc_index``."""

    doc_index: int
    offset: int
    text: str


def split_chunks(doc_index: int, text: str, max_chars: int) -> Iterator[Chunk]:
    """Split ``text`` into chunks of at most ``max_chars`` characters, cut at line breaks.

    Cutting at the last newline (else whitespace) before the limit keeps almost every entity
    inside one chunk; a hard cut is the fallback for one enormous line. Bounds the memory and
    time spaCy spends on a single huge document.
    """
    if max_chars <= 0:
        raise ValueError("max_chars must be positive")
    start = 0
    n = len(text)
    while start < n:
        end = min(start + max_chars, n)
        if end < n:
            cut = text.rfind("\n", start + max_chars // 2, end)
            if cut < 0:
                cut = max(text.rfind(" ", start + max_chars // 2, end), -1)
            if cut > start:
                end = cut + 1
        yield Chunk(doc_index, start, text[start:end])
        start = end
