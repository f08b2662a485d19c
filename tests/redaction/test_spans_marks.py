"""Which combining marks count as part of a foreign-script run when a span is trimmed.

A spacing mark (category Mc, e.g. the Devanagari vowel sign AA) belongs to its run like a
non-spacing one (Mn); the generic combining diacriticals U+0300-036F, the last of them
included, attach to Latin letters and stay in the span. Mutation testing found both edges
untested (bench/mutation.py). Synthetic strings only.
"""

from __future__ import annotations

from redaction import entities as E
from redaction.spans import Span, trim_foreign_edges


def test_a_spacing_mark_at_the_edge_is_trimmed_with_its_run():
    text = "id4 \u0915\u093e"  # "id4 " then Devanagari KA + vowel sign AA (Mc)
    assert trim_foreign_edges(text, Span(0, len(text), E.PERSON)) == Span(0, 3, E.PERSON)
    text = "\u093eid4"  # a lone spacing mark before the span's Latin part
    assert trim_foreign_edges(text, Span(0, len(text), E.PERSON)) == Span(1, 4, E.PERSON)


def test_the_last_generic_diacritical_stays_with_its_latin_letter():
    text = "idx\u036f"  # x + COMBINING LATIN SMALL LETTER X (U+036F, Mn)
    assert trim_foreign_edges(text, Span(0, len(text), E.PERSON)) == Span(0, 4, E.PERSON)
