"""Phones of every region (issue 18): libphonenumber's example numbers, national and
international, found by AnyRegionPhoneRecognizer; non-phones left alone."""

from __future__ import annotations

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat as F

from redaction.recognizers.phones import AnyRegionPhoneRecognizer, is_phone


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
