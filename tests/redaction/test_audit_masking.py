"""The audit as a second line (issue 18, item 3): what it finds is masked in place with the
redactor's typed placeholders and counted; its detectors of another kind (names by lexicon
and cue, phones parsed from digit runs, address shapes) find what a redactor leaves and leave
clean text alone. Synthetic values only; no assertion message quotes a value."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redaction.audit import (
    AUDITED_TYPES,
    RAW_ID,
    AuditResult,
    audit_batch,
    find_spans,
)

PLACEHOLDER = re.compile(r"<[A-Z_]+>")


def _types(text: str) -> list[str]:
    return [s.entity_type for s in find_spans(text)]


def test_a_batch_is_masked_in_place_and_counted():
    texts = [
        "Thanks,\nMaria Garcia",
        "the export fails, call me on +44 20 7946 0018 please",
        None,
        "",
        "nothing personal here: the table lost its header row",
        "ship it to 12 Withers Close, mail ana.silva@example.org",
    ]
    audited = audit_batch(texts)
    assert audited.texts == [
        "Thanks,\n<PERSON>",
        "the export fails, call me on <PHONE_NUMBER> please",
        None,
        "",
        "nothing personal here: the table lost its header row",
        "ship it to <STREET_ADDRESS>, mail <EMAIL_ADDRESS>",
    ]
    result = audited.result
    assert result.texts_scanned == 4 and result.texts_with_findings == 3
    assert {k: v for k, v in result.counts.items() if v} == {
        "PERSON": 1,
        "PHONE_NUMBER": 1,
        "STREET_ADDRESS": 1,
        "EMAIL_ADDRESS": 1,
    }
    assert set(result.counts) == set(AUDITED_TYPES)
    assert result.share == pytest.approx(3 / 4)


def test_the_result_and_its_record_hold_no_value():
    audited = audit_batch(["write to Maria Garcia at ana.silva@example.org"])
    shown = repr(audited.result) + repr(audited.result.as_record())
    for value in ("Maria", "Garcia", "ana.silva", "example.org"):
        assert value not in shown


def test_raw_ids_are_masked_as_raw_id():
    audited = audit_batch(["my account acct_77 again"], raw_ids={"acct_77"})
    assert audited.texts == [f"my account <{RAW_ID}> again"]


def test_records_add_up_and_round_trip():
    a = audit_batch(["call +44 20 7946 0018", "fine"]).result
    b = audit_batch(["mail a.b@example.org", "Hi Maria Garcia,"]).result
    total = a + b
    assert total.texts_scanned == 4 and total.texts_with_findings == 3
    assert total.counts["PHONE_NUMBER"] == 1 and total.counts["EMAIL_ADDRESS"] == 1
    assert AuditResult.from_record(total.as_record()) == total
    assert AuditResult.from_record(None) == AuditResult({t: 0 for t in sorted(AUDITED_TYPES)})


@pytest.mark.parametrize(("share", "over"), [(0.0, True), (0.2, True), (0.25, False), (1.0, False)])
def test_the_budget_is_a_share_of_texts(share, over):
    result = AuditResult({"PERSON": 7}, texts_scanned=8, texts_with_findings=2)  # 25%
    assert result.over_budget(share) is over


def test_no_texts_read_is_never_over_budget():
    assert not AuditResult({}, 0, 0).over_budget(0.0)


# -- names: the lexicon next to a cue, two names in a row, beside a placeholder ----------


@pytest.mark.parametrize(
    "text",
    [
        "Kind regards,\nOkonkwo",
        "Hi Aleksandra, the export broke",
        "my manager Priya asked me to file this",
        "sent by Mr Kowalski from the app",
        "the reviewer Maria Garcia saw it too",
        "Ahmed Hassan reported the truncation",
        "Guido van Rossum wrote it",
    ],
)
def test_names_by_lexicon_and_cue(text):
    assert "PERSON" in _types(text)


def test_the_rest_of_a_name_the_redactor_cut_in_half():
    assert _types("thanks to <PERSON> Nowak for the report") == ["PERSON"]
    assert _types("<PERSON> Will fix it") == []  # an ordinary word beside it stays


@pytest.mark.parametrize(
    "text",
    [
        "Grace period ended on Monday.",
        "The New York office cannot reach San Jose.",
        "Visual Studio Code freezes when Python and Kafka restart.",
        "Thanks, Claude, but the answer was wrong.",
        "Hi All, the Getting Started page is blank.",
        "Read More links are broken in Google Chrome.",
        "def total(Maria): return Maria.sum()",
        "Machine Learning and Data Science are topics.",
    ],
)
def test_words_that_are_not_people_stay(text):
    assert "PERSON" not in _types(text)


# -- phones: parsing every digit run ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "reach me at +49 30 901820 in the morning",
        "call 020 7946 0018 today",
        "my number: (030) 1234 5678",
        "mobile 06 12 34 56 78",
        "the office line is 415-555-0132",
        "WhatsApp +55 11 91234-5678",
    ],
)
def test_phones_in_many_formats(text):
    assert _types(text) == ["PHONE_NUMBER"]


@pytest.mark.parametrize(
    "text",
    [
        "order 12345678 failed",
        "version 2.13.0 failed at 2025-08-25 14:00",
        "p-values array([0.58325114, 0.99819341])",
        "Physical Review E, 75 027105 (2007).",
        "ISBN 978 3 16 148410 0",
        "max_tokens=4096 and timeout 30000 ms",
        "at 10:42:17 the run 20250825 stopped",
    ],
)
def test_numbers_that_are_not_phones_stay(text):
    assert "PHONE_NUMBER" not in _types(text)


# -- street addresses by shape ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "send it to 12 Withers Close please",
        "I live at Kieler Strasse 90 in Kiel",
        "office: Via Roma 12, Milano",
        "deliver to Hauptstraße 5",
        "my flat is at 2 rue de Rivoli",
        "1600 North Pennsylvania Avenue",
    ],
)
def test_addresses_by_shape(text):
    assert _types(text) == ["STREET_ADDRESS"]


@pytest.mark.parametrize(
    "text",
    [
        "Step 3 Main menu opens",
        "The 2 Way binding is broken",
        "see section 4 of the guide",
        "version 3 Road map for Q4",
    ],
)
def test_numbers_before_words_that_are_not_addresses_stay(text):
    assert "STREET_ADDRESS" not in _types(text)


# -- properties ---------------------------------------------------------------------------

FRAGMENTS = [
    "Hi Maria Garcia,",
    "call +44 20 7946 0018",
    "12 Withers Close",
    "ana.silva@example.org",
    "4111 1111 1111 1111",
    "กรุณาตอบเป็นภาษาไทย",
    "```py\ndef f(x):\n    return x[\n```",
    "<PERSON>",
    " Nowak ",
    "\n",
    "Thanks,",
]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)),
        max_size=8,
    ).map("".join)
)
def test_masking_is_idempotent_and_keeps_foreign_script_and_the_rest(text):
    once = audit_batch([text]).texts[0]
    twice = audit_batch([once])
    assert twice.texts[0] == once  # masked text holds nothing more to mask
    if not text:
        return
    # Outside the placeholders the text is the input's, in order: split the output at its
    # placeholders and find each piece in the input after the previous one.
    cursor = 0
    for piece in PLACEHOLDER.split(once):
        found = text.find(piece, cursor)
        assert found >= 0
        cursor = found + len(piece)
    # Letters of other scripts (the foreign-script symptom) are never masked.
    foreign = [c for c in text if c.isalpha() and ord(c) > 0x024F]
    assert [c for c in once if c.isalpha() and ord(c) > 0x024F] == foreign
