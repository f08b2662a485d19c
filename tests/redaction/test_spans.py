"""Span merging and application, fast (no Presidio, no spaCy): the redactor's last step.

The redactor tests reach this code through the models (seconds per text); these pin its
rules directly so a mutation run can afford them: overlaps merge into one span typed by the
highest priority, touching spans stay apart, every character outside a span is copied
unchanged, placeholders are typed, and foreign-script runs at a span's edges are given back.
"""

from __future__ import annotations

import pytest

from redaction import entities as E
from redaction.spans import Span, apply_spans, merge_spans, trim_foreign_edges


def test_placeholders_are_the_contracts_typed_tokens():
    assert E.placeholder(E.PERSON) == "<PERSON>"
    assert E.placeholder(E.EMAIL_ADDRESS) == "<EMAIL_ADDRESS>"
    assert E.placeholder(E.SECRET) == "<SECRET>"


def test_priority_rank_follows_the_priority_list_and_unknown_types_rank_last():
    assert [E.priority_rank(t) for t in E.PRIORITY] == list(range(len(E.PRIORITY)))
    assert E.priority_rank("NOT_A_TYPE") == len(E.PRIORITY)
    assert E.priority_rank(E.CONNECTION_STRING) == 0
    assert E.ALL_ENTITIES == frozenset(E.PRIORITY)


def test_apply_replaces_each_span_and_copies_the_rest():
    text = "call Ann Lee at 555-0100 or mail a@example.test now"
    spans = [
        Span(5, 12, E.PERSON),
        Span(16, 24, E.PHONE_NUMBER),
        Span(33, 47, E.EMAIL_ADDRESS),
    ]
    out, counts = apply_spans(text, spans)
    assert out == "call <PERSON> at <PHONE_NUMBER> or mail <EMAIL_ADDRESS> now"
    assert counts == {E.EMAIL_ADDRESS: 1, E.PERSON: 1, E.PHONE_NUMBER: 1}
    assert list(counts) == sorted(counts)


def test_apply_at_the_edges_and_with_nothing_to_do():
    assert apply_spans("Ann", [Span(0, 3, E.PERSON)]) == ("<PERSON>", {E.PERSON: 1})
    assert apply_spans("hi Ann", [Span(3, 6, E.PERSON)]) == ("hi <PERSON>", {E.PERSON: 1})
    assert apply_spans("Ann hi", [Span(0, 3, E.PERSON)]) == ("<PERSON> hi", {E.PERSON: 1})
    assert apply_spans("nothing here", []) == ("nothing here", {})
    two, counts = apply_spans("Ann Bo", [Span(0, 3, E.PERSON), Span(4, 6, E.PERSON)])
    assert (two, counts) == ("<PERSON> <PERSON>", {E.PERSON: 2})


def test_overlaps_merge_into_their_union_typed_by_priority():
    # a password inside a connection string is one <CONNECTION_STRING>
    merged = merge_spans([Span(10, 20, E.SECRET), Span(0, 30, E.CONNECTION_STRING)])
    assert merged == [Span(0, 30, E.CONNECTION_STRING)]
    # partial overlap: union, the higher-priority type wins whichever comes first
    assert merge_spans([Span(0, 10, E.PERSON), Span(5, 15, E.EMAIL_ADDRESS)]) == [
        Span(0, 15, E.EMAIL_ADDRESS)
    ]
    assert merge_spans([Span(0, 10, E.EMAIL_ADDRESS), Span(5, 15, E.PERSON)]) == [
        Span(0, 15, E.EMAIL_ADDRESS)
    ]
    # a chain of overlaps is one span
    chain = [Span(0, 4, E.PERSON), Span(3, 8, E.PERSON), Span(7, 12, E.IP_ADDRESS)]
    assert merge_spans(chain) == [Span(0, 12, E.IP_ADDRESS)]
    # a span inside a longer one keeps the longer one's end
    assert merge_spans([Span(0, 20, E.PERSON), Span(2, 5, E.PERSON)]) == [Span(0, 20, E.PERSON)]


def test_priority_not_the_alphabet_types_a_merged_span():
    # HOME_PATH outranks EMAIL_ADDRESS and SECRET outranks CREDIT_CARD, against the alphabet
    assert merge_spans([Span(0, 10, E.EMAIL_ADDRESS), Span(5, 15, E.HOME_PATH)]) == [
        Span(0, 15, E.HOME_PATH)
    ]
    assert merge_spans([Span(0, 9, E.SECRET), Span(0, 9, E.CREDIT_CARD)]) == [Span(0, 9, E.SECRET)]


def test_touching_and_disjoint_spans_stay_apart_sorted():
    spans = [Span(10, 15, E.PERSON), Span(5, 10, E.PHONE_NUMBER), Span(20, 22, E.PERSON)]
    assert merge_spans(spans) == [
        Span(5, 10, E.PHONE_NUMBER),
        Span(10, 15, E.PERSON),
        Span(20, 22, E.PERSON),
    ]
    assert merge_spans([]) == []


def test_one_character_overlap_merges():
    assert merge_spans([Span(0, 5, E.PERSON), Span(4, 9, E.PERSON)]) == [Span(0, 9, E.PERSON)]


@pytest.mark.parametrize(
    ("text", "span", "want"),
    [
        # an email regex that swallowed a Thai run before the address
        ("ภาษาไทยa@example.test", Span(0, 21, E.EMAIL_ADDRESS), Span(7, 21, E.EMAIL_ADDRESS)),
        # ... and after it, with a space
        ("a@example.test ภาษาไทย", Span(0, 22, E.EMAIL_ADDRESS), Span(0, 14, E.EMAIL_ADDRESS)),
        # Latin letters with accents are not foreign (Latin Extended-B ends at U+024F)
        ("José Ñúñez", Span(0, 10, E.PERSON), Span(0, 10, E.PERSON)),
        ("\u024fx", Span(0, 2, E.PERSON), Span(0, 2, E.PERSON)),  # last Latin letter kept
        ("\u0250x", Span(0, 2, E.PERSON), Span(1, 2, E.PERSON)),  # first one after: trimmed
        ("x1\u0e01", Span(0, 3, E.PERSON), Span(0, 2, E.PERSON)),  # a digit is not trimmed
        # Thai vowel signs (combining marks, not letters) belong to the run (mutation run)
        ("ขอบคุณa@example.test", Span(0, 20, E.EMAIL_ADDRESS), Span(6, 20, E.EMAIL_ADDRESS)),
        ("a@x.test नमस्ते", Span(0, 15, E.EMAIL_ADDRESS), Span(0, 8, E.EMAIL_ADDRESS)),
        # a Latin name in decomposed form keeps its accent
        ("José", Span(0, 5, E.PERSON), Span(0, 5, E.PERSON)),
        # foreign letters inside the span stay inside
        ("Ann ไทย Lee", Span(0, 11, E.PERSON), Span(0, 11, E.PERSON)),
    ],
)
def test_trim_gives_foreign_script_edges_back(text, span, want):
    assert trim_foreign_edges(text, span) == want


def test_trim_of_a_span_that_is_all_foreign_script_or_space_is_none():
    assert trim_foreign_edges("ไทย ภาษา", Span(0, 8, E.PERSON)) is None
    assert trim_foreign_edges("   ", Span(0, 3, E.PERSON)) is None
    assert trim_foreign_edges("x", Span(0, 1, E.PERSON)) == Span(0, 1, E.PERSON)
