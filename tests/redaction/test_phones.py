"""Phones of every region (issue 18): libphonenumber's example numbers, national and
international, found by AnyRegionPhoneRecognizer; non-phones left alone."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat as F

from redaction.recognizers.phones import (
    AnyRegionPhoneRecognizer,
    is_grouped_phone,
    is_phone,
    rejected_by_context,
)


def _examples() -> list[tuple[str, str, str]]:
    out = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        number = phonenumbers.example_number(region)
        out.append((region, "intl", phonenumbers.format_number(number, F.INTERNATIONAL)))
        out.append((region, "national", phonenumbers.format_number(number, F.NATIONAL)))
    return out


def test_every_region_example_is_found_after_a_cue():
    missed = []
    for region, fmt, value in _examples():
        text = f"please call me on {value} tomorrow"
        spans = AnyRegionPhoneRecognizer.find_spans(text)
        start = text.index(value)
        if not any(s <= start and e >= start + len(value) - 1 for s, e in spans):
            missed.append((region, fmt))
    # National numbers of a few tiny regions have fewer than 7 digits (e.g. 5-digit plans).
    assert len(missed) <= 0.03 * len(_examples()), f"{len(missed)} missed: {missed[:20]}"


def test_international_numbers_need_no_cue():
    missed = [r for r, fmt, v in _examples() if fmt == "intl" and not is_phone(v, cue=False)]
    assert len(missed) <= 5, missed


@pytest.mark.parametrize(
    "text",
    [
        "deployed on 2025-08-25 at 14:00",
        "version 1.24.3 and build 20250825",
        "server 81.10.238.158 is down",
        "card number 4111 1111 1111 1111",
        "order 12345678 was refunded",
        "latency 1234567 ms",
    ],
)
def test_non_phones(text):
    assert AnyRegionPhoneRecognizer.find_spans(text) == []


def test_extensions_and_separators():
    for value in ("+44 20 7946 0958 ext. 123", "(020) 7946-0958", "020.7946.0958"):
        text = f"tel: {value}"
        assert AnyRegionPhoneRecognizer.find_spans(text), value


# -- phones without a cue word (issue 18: a definition that does not depend on cues) --------


def _grouped_examples() -> list[str]:
    """Every region's example numbers in national format, written as groups of digits with
    single spaces or dashes (libphonenumber's own formatting), 7-12 digits, no trunk sign."""
    out = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            value = phonenumbers.format_number(number, F.NATIONAL)
            if (
                re.fullmatch(r"\d{2,8}(?:[ \-]\d{2,8}){1,4}", value)
                and 7 <= sum(c.isdigit() for c in value) <= 12
            ):
                out.append(value)
    return out


def test_grouped_national_numbers_need_no_cue():
    examples = _grouped_examples()
    assert len(examples) > 100  # the test reads many regions, not a handful
    missed = []
    for value in examples:
        text = f"They're not answering at {value}. Could you look into it?"
        spans = AnyRegionPhoneRecognizer.find_spans(text)
        start = text.index(value)
        if not any(s <= start < e for s, e in spans):
            missed.append(value)
    # a few examples have a 3-2-4 (SSN) or a 5-3 (postcode) shape, which stay unreported
    assert len(missed) <= 0.05 * len(examples), f"{len(missed)} of {len(examples)} missed"


@pytest.mark.parametrize(
    "text",
    [
        "processed 1 234 567 rows in the batch",
        "ports 8000-9000 are blocked",
        "the report of 2025 08 25 was empty",
        "the docs use 123-45-6789 as an example",
        "Apt. 260 8843 Quadra Quadra",
        "logged at 09:31:04.912082 on the server",
        "sent to 92698 4698 rue des Églises Est",
        "The restaurant is at 092 4748 Westfall Avenue",
        "postcode 72856-575 in the form",
    ],
)
def test_grouped_non_phones(text):
    assert AnyRegionPhoneRecognizer.find_spans(text) == []


def test_shared_hook_rejects_house_numbers_and_fractions():
    text = "at 2447 1727 Lady Bug Drive"
    assert rejected_by_context(text, 3, 12)
    assert rejected_by_context("09:31:04.912082", 9, 15)
    assert not rejected_by_context("call 642 553 625 today", 5, 16)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(
    st.lists(st.integers(min_value=100, max_value=999), min_size=2, max_size=3),
    st.integers(min_value=1, max_value=999),
    st.sampled_from(["rows", "tokens", "users", "bytes"]),
)
def test_thousands_counts_are_not_phones(groups, lead, unit):
    value = " ".join([str(lead), *map(str, groups)])
    assert not is_grouped_phone(value, f" {unit} were processed")


@settings(max_examples=80, deadline=None, derandomize=True)
@given(
    st.text(alphabet="0123456789", min_size=3, max_size=4),
    st.text(alphabet="0123456789", min_size=3, max_size=4),
    st.sampled_from(["Street", "Road", "Avenue", "Lane", "Drive"]),
)
def test_digits_before_a_street_name_are_no_phone(a, b, suffix):
    text = f"Please return it to {a} {b} Maple {suffix} in case of an issue."
    assert AnyRegionPhoneRecognizer.find_spans(text) == []


def test_plus_country_code_is_not_an_ssn(redactor):
    text = "You can reach me at +672 10 6609 (mobile)."
    spans = redactor.analyze_batch([text])[0]
    assert [s.entity_type for s in spans] == ["PHONE_NUMBER"]
    assert (spans[0].start, spans[0].end) == (20, 32)
