"""Text helpers shared by the detectors: placeholder masking and offsets.

Redaction replaces personal data with typed placeholders such as ``<PERSON>``. Detectors must
neither flag them nor be confused by them, so they are masked with spaces of the same length:
every offset into the masked text is also an offset into the original text.
"""

from __future__ import annotations

import regex

# A redaction placeholder: `<` + upper-case type name + `>`, optionally with a pseudonym suffix
# such as `<PERSON_3>`. Code such as `List<T>` or `<div>` is not upper-case-with-underscores.
PLACEHOLDER_RE = regex.compile(r"<[A-Z][A-Z0-9_]{1,40}>")


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
