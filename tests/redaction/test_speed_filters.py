"""The pre-filters that keep redaction fast (issue 18, item 6) decide nothing themselves:
each is checked against the unfiltered computation it skips. Synthetic values only."""

from __future__ import annotations

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat as F
from phonenumbers.phonenumberutil import _PLUS_CHARS, _VALID_PUNCTUATION
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from redaction import entities as E
from redaction.ner_view import is_name_candidate, ner_view
from redaction.recognizers import phones
from redaction.recognizers.contact import (
    MIN_MATCHER_DIGITS,
    MultiRegionPhoneRecognizer,
    _is_ipv4,
)
from redaction.recognizers.names import NameCueRecognizer
from redaction.redactor import candidate_entities


def _example_texts() -> list[str]:
    """Phone numbers of many regions, national and international, among other numbers."""
    out = []
    for i, region in enumerate(sorted(phonenumbers.SUPPORTED_REGIONS)):
        number = phonenumbers.example_number(region)
        for fmt in (F.NATIONAL, F.INTERNATIONAL, F.E164):
            value = phonenumbers.format_number(number, fmt)
            out.append(
                f"build 2025-08-{i % 28 + 1:02d} v1.{i}.3, call {value} ext. {i} or order "
                f"{10_000 + i}; ({value}) at 14:{i % 60:02d}"
            )
    out += [
        "ruf 01640 an, build 1234567",  # a German 5-digit number beside a 7-digit run
        "see 16400 x 1234567 and 0301234567",
        "Tel.: +49 (0)30 1234-5678, Fax -99",
        "cards 4111 1111 1111 1111 / 5500-0000-0000-0004 and +1 (415) 555-0132",
        "１２３４５６７８９０ or ٠١٢٣٤٥٦٧８９ or 020\u00a07946\u00a00958",
        "host 81.10.238.158 and 192.168.100.200 up",
    ]
    return out


def test_gap_class_covers_libphonenumbers_punctuation():
    for ch in _VALID_PUNCTUATION.replace("\\", "") + _PLUS_CHARS + " \t\u00a0X":
        if ch in "-":
            continue
        assert phones._DIGIT_RUN.fullmatch(f"12{ch}34"), f"U+{ord(ch):04X} splits a run"
    # libphonenumber's class holds ranges (U+2010-U+2015, U+FF0D-U+FF0F): inside too.
    for ch in "\u2012\u2014\uff0e":
        assert phones._DIGIT_RUN.fullmatch(f"12{ch}34")


def test_multi_region_window_equals_whole_text_matcher():
    """Reading windows around runs of 7+ digits gives what libphonenumber finds in the whole
    text, less numbers of fewer digits and IPv4 addresses."""
    windowed = MultiRegionPhoneRecognizer()
    whole = PhoneRecognizer(supported_regions=windowed.supported_regions, leniency=1)
    for text in _example_texts():
        runs = [(s, e) for s, e, n in phones.digit_runs(text) if n >= MIN_MATCHER_DIGITS]
        expected = sorted(
            (r.start, r.end)
            for r in whole.analyze(text, [E.PHONE_NUMBER])
            if any(s < r.end and r.start < e for s, e in runs)
            and not _is_ipv4(text[r.start : r.end])
        )
        got = sorted((r.start, r.end) for r in windowed.analyze(text, [E.PHONE_NUMBER]))
        assert got == expected, f"text {len(text)} chars: {got} != {expected}"


def test_short_german_numbers_are_not_phones():
    text = "ruf 01640 an, build 1234567"
    assert PhoneRecognizer(supported_regions=("DE",)).analyze(text, [E.PHONE_NUMBER])
    assert MultiRegionPhoneRecognizer().analyze(text, [E.PHONE_NUMBER]) == []


@pytest.mark.parametrize(
    "text, phone",
    [
        ("released 2025, 2026 and 1.2.3; 4 of 5 passed", False),
        ("the 12 34 5 case", True),  # five digits joined by spaces: a cue may make it one
        ("call 67 501", True),
        ("order 1234 and 5678 shipped", False),
    ],
)
def test_phone_pre_filter_asks_for_a_digit_run(text, phone):
    assert (E.PHONE_NUMBER in candidate_entities(text, E.ALL_ENTITIES)) is phone


def test_any_region_gate_keeps_every_cue_number():
    """Every region's example number after a cue is found with the gate and without it."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        value = phonenumbers.format_number(phonenumbers.example_number(region), F.NATIONAL)
        text = f"please call me on {value} tomorrow"
        gated = phones.AnyRegionPhoneRecognizer().analyze(text, [E.PHONE_NUMBER])
        assert [(r.start, r.end) for r in gated] == phones.AnyRegionPhoneRecognizer.find_spans(
            text
        ), region


def test_region_order_does_not_change_validity():
    sorted_regions = tuple(sorted(phonenumbers.SUPPORTED_REGIONS))
    assert set(phones._regions()) == set(sorted_regions)
    assert len(phones._regions()) == len(sorted_regions)
    values = ["020 7946 0958", "0 2025 08 25", "(0) 12 34", "0123 456 7891", "090-7212-5338"]
    for value in values:
        for possible_only in (False, True):
            reference = False
            for region in sorted_regions:
                try:
                    parsed = phonenumbers.parse(value, region)
                except phonenumbers.NumberParseException:
                    continue
                if phonenumbers.is_valid_number(parsed) or (
                    possible_only and phonenumbers.is_possible_number(parsed)
                ):
                    reference = True
                    break
            assert phones._valid_somewhere(value, possible_only) is reference, value


CUE_TEXTS = [
    "Thanks,\nOkonkwo",
    "Ask Siddharth (PM) and (Aigerim Nurlanovna, QA lead)",
    "From: Søren Vestergaard <sv@example.org>",
    "-- Wei\n— Ana Silva",
    '{"name": "Priya Raman", "owner": "Kofi"}',
    "Kimberly: the answer was cut off\nsent by Djevad Mitnjek",
    "no capital letters here: call me",
    "Regards\nPriya",
]


def test_name_cue_needs_change_nothing(monkeypatch):
    recognizer = NameCueRecognizer()
    assert len(recognizer.NEEDS) == len(recognizer.STRONG) + len(recognizer.WEAK)
    filtered = [recognizer.find_spans(t) for t in CUE_TEXTS]
    monkeypatch.setattr(NameCueRecognizer, "NEEDS", ((),) * len(recognizer.NEEDS))
    monkeypatch.setattr("redaction.recognizers.names._NAME_START", type("Any", (), {
        "search": staticmethod(lambda text: True)})())  # fmt: skip
    assert [recognizer.find_spans(t) for t in CUE_TEXTS] == filtered
    assert sum(map(len, filtered)) >= 9  # the texts do hold names


def test_tool_names_alone_skip_ner():
    assert not is_name_candidate("Python") and not is_name_candidate("Anthropic")
    assert ner_view("Python crashed again. The Anthropic console too.") is None
    text = "Python crashed again. Thanks, Jane"
    assert ner_view(text) == text
