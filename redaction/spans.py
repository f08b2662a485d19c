"""Turn overlapping detections into disjoint typed spans, and apply them to a text.

Not presidio-anonymizer (dropped from the dependencies): its conflict rule keeps the higher
score, where redaction needs the type priority of `redaction.entities` and foreign-script
edges trimmed off (a Thai run next to a name is a symptom that must survive); applying the
disjoint spans is then the few lines of `apply_spans`.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from redaction.entities import placeholder, priority_rank


@dataclass(frozen=True, order=True)
class Span:
    """A detected entity: ``text[start:end]`` (Python str offsets) of ``entity_type``."""

    start: int
    end: int
    entity_type: str


def _is_foreign_letter(ch: str) -> bool:
    # Letters beyond Latin Extended-B: Thai, CJK, Arabic, ... runs that are symptoms. Their
    # combining marks (Thai vowel signs, Devanagari matras) belong to the run too; the generic
    # combining diacriticals (U+0300-036F) attach to Latin letters and do not.
    code = ord(ch)
    if code <= 0x024F:
        return False
    return ch.isalpha() or (code > 0x036F and unicodedata.category(ch) in ("Mn", "Mc"))


def trim_foreign_edges(text: str, span: Span) -> Span | None:
    """Shrink a span so it neither starts nor ends inside a foreign-script run.

    Regexes built on ``\\w`` (e.g. email local parts) would otherwise swallow an adjacent
    Thai run; the run is the symptom and must survive. Returns None if nothing is left.
    """
    start, end = span.start, span.end
    while start < end and (_is_foreign_letter(text[start]) or text[start].isspace()):
        start += 1
    while end > start and (_is_foreign_letter(text[end - 1]) or text[end - 1].isspace()):
        end -= 1
    if end <= start:
        return None
    return Span(start, end, span.entity_type)


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Disjoint spans, sorted by start: overlapping detections become their union, typed by
    the highest-priority member (see entities.PRIORITY). Touching spans stay separate."""
    ordered = sorted(spans)
    merged: list[Span] = []
    for span in ordered:
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            winner = min(last.entity_type, span.entity_type, key=priority_rank)
            merged[-1] = Span(last.start, max(last.end, span.end), winner)
        else:
            merged.append(span)
    return merged


def apply_spans(text: str, spans: list[Span]) -> tuple[str, dict[str, int]]:
    """Replace each disjoint span with its placeholder; everything else is copied as is.

    Returns the new text and the number of spans replaced per entity type.
    """
    parts: list[str] = []
    cursor = 0
    for span in spans:
        parts.append(text[cursor : span.start])
        parts.append(placeholder(span.entity_type))
        cursor = span.end
    parts.append(text[cursor:])
    counts = Counter(span.entity_type for span in spans)
    return "".join(parts), dict(sorted(counts.items()))
