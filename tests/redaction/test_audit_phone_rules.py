"""The audit's phone rules, each at its edge (issue 24: survivors of the mutation run).

A digit run written like a number is a phone when libphonenumber validates it (the module
docstring of :mod:`redaction.audit`): with ``+``, for its country code; after a phone cue
word (within 40 characters before it) or before one (within 16 after it), in some region;
with a trunk ``0`` or an area code in parentheses and 9+ digits, in some region; grouped with
10+ digits, in one of a few large regions. 7 to 15 digits, an extension allowed; dates,
decimals, dotted quads (versions, addresses) and ungrouped runs without a cue are not phones.

Numbers are libphonenumber's example numbers or the fictional 555-01xx range; no assertion
message quotes one.
"""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from redaction.audit import audit_batch

PH = "<PHONE_NUMBER>"


def _masked(text: str) -> str:
    return audit_batch([text]).texts[0]


CASES = [
    # an ungrouped run counts only next to a cue word (before or after it)
    ("call me on 612345678", f"call me on {PH}"),
    ("612345678 (mobile), ask for the desk", f"{PH} (mobile), ask for the desk"),
    ("order 612345678 failed", None),
    # with "+": valid for its country code, grouped or not, cue or not; an extension is part
    ("ping +447400123456 later", f"ping {PH} later"),
    ("call +1 415 555 0132 ext 204", f"call {PH}"),
    ("+999 1234 5678 is not a number", None),  # no such country code
    # a trunk 0 or parentheses, 9+ digits in two or more groups: valid in some region
    ("030 123456 works", f"{PH} works"),  # Berlin, two groups
    ("02 234 5678 works", f"{PH} works"),  # Abu Dhabi, 9 digits
    ("(02) 212-3456 works", f"{PH} works"),  # Quito, 9 digits
    ("06.12.34.56.78 works", f"{PH} works"),  # French, dotted in five groups
    ("02079460018 works", None),  # ungrouped, no cue
    # grouped without a trunk prefix: 10+ digits in two or more groups
    ("98765 43210 works", f"{PH} works"),  # Indian mobile, two groups
    ("415.555.0132 works now", f"{PH} works now"),
    ("1.415.555.0132 works", f"{PH} works"),  # four groups, one of four digits
    ("ref 612 345 678 works", None),  # 9 digits
    ("build 2.125.550.132 is out", None),  # a dotted quad (a version), valid or not
    # 7 to 15 digits
    ("call 321 2345", f"call {PH}"),  # Tallinn, 7 digits: the shortest counted
    ("call 123456 about order 7", None),  # 6 digits (valid in some region)
    ("call 030 123456012345", f"call {PH}"),  # 15 digits
    ("call 030 1234560123456", None),  # 16 digits
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_phone_shapes(text, expected):
    assert _masked(text) == (text if expected is None else expected)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(min_value=1, max_value=60))
@example(36)  # the cue's first letter 40 characters before the number
@example(37)  # 41
def test_a_cue_before_counts_within_40_characters(gap):
    """The cue word "call" at the start of the text (position 0), then spaces: the
    ungrouped run needs the cue, which must start within the 40 characters before it."""
    text = "call" + " " * gap + "612345678"
    inside = len("call") + gap <= 40
    assert _masked(text) == ("call" + " " * gap + (PH if inside else "612345678"))


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.integers(min_value=1, max_value=30))
@example(10)  # the cue word's last letter 16 characters after the number
@example(11)  # 17
def test_a_cue_after_counts_within_16_characters(gap):
    text = "612345678" + " " * gap + "mobile"
    inside = gap + len("mobile") <= 16
    assert _masked(text) == ((PH if inside else "612345678") + " " * gap + "mobile")


_REGIONS = ("GB", "DE", "FR", "IN", "BR", "JP", "NG", "EE", "CH", "ZA")


@pytest.mark.parametrize("region", _REGIONS)
def test_example_numbers_in_international_form_are_phones_without_a_cue(region):
    """libphonenumber's example mobile number, in E.164 (one ungrouped run after "+") and in
    the international format (grouped), is masked without any cue word."""
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    for fmt in (phonenumbers.PhoneNumberFormat.E164, phonenumbers.PhoneNumberFormat.INTERNATIONAL):
        written = phonenumbers.format_number(number, fmt)
        assert _masked(f"ping {written} later") == f"ping {PH} later", (region, fmt)
