"""Presidio's own recognizers, configured for this project: email (validated offline),
phone (several national formats), plus cheap pre-filters for the numeric ones."""

from __future__ import annotations

from redaction import _nlp_stack  # noqa: F401  (first: see its docstring)

# isort: split

import ipaddress
import re
from typing import ClassVar

from presidio_analyzer import EntityRecognizer, Pattern
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    PhoneRecognizer,
)

from redaction.entities import PHONE_NUMBER
from redaction.offline import has_public_suffix
from redaction.recognizers.base import RegexSpanRecognizer, SpanPattern
from redaction.recognizers.phones import digit_runs, longest_digit_run, rejected_by_context
from redaction.recognizers.prefiltered import Prefiltered
from redaction.text_safety import digit_count

# Regions whose national formats are parsed without a +country prefix (PhoneFormatRecognizer
# covers other formatted numbers; each region costs one scan). Order matters only
# for speed (each region is one scan); international +CC numbers parse under any region.
PHONE_REGIONS: tuple[str, ...] = ("US", "GB", "DE", "FR")


class OfflineEmailRecognizer(Prefiltered, EmailRecognizer):
    """Presidio's email recognizer; its domain check uses tldextract's bundled snapshot.

    The stock ``validate_result`` calls ``tldextract.extract``, which would try to download
    the public-suffix list. Same rule, no network. A text without "@" is skipped (the
    pattern has one).
    """

    def may_match(self, text: str) -> bool:  # noqa: D102
        return "@" in text

    def validate_result(self, pattern_text: str) -> bool:  # noqa: D102
        domain = pattern_text.rsplit("@", 1)[-1]
        return has_public_suffix(domain)


# Fewest digits of a number MultiRegionPhoneRecognizer reports. libphonenumber's matcher
# also finds German numbers of 4-6 digits (valid short numbers there) in any text; people
# write a phone number with 7 or more.
MIN_MATCHER_DIGITS = 7


# The matcher reads this much text around a digit run: before it, a "+" or "(" and the
# character that must not be a letter; after it, an extension (" ext. 1234") and a
# time-stamp's ":MM" that rules a date out.
_WINDOW_BEFORE = 12
_WINDOW_AFTER = 24


class MultiRegionPhoneRecognizer(PhoneRecognizer):
    """python-phonenumbers over several regions, for numbers in a digit run of 7 or more
    digits (:func:`redaction.recognizers.phones.digit_runs`).

    libphonenumber's matcher parses every digit group of a text once per region; most of
    this recognizer's time went to years, versions and counts. It reads only a window around
    each run of 7 or more digits (a text without one is skipped) and keeps the matches that
    overlap the run.
    """

    def __init__(self, supported_regions: tuple[str, ...] = PHONE_REGIONS) -> None:
        super().__init__(supported_regions=supported_regions, leniency=1)

    def analyze(self, text, entities, nlp_artifacts=None):  # noqa: D102, ANN001
        results = []
        for s, e, n in digit_runs(text):
            if n < MIN_MATCHER_DIGITS:
                continue
            start = max(0, s - _WINDOW_BEFORE)
            window = text[start : e + _WINDOW_AFTER]
            for r in super().analyze(window, entities, nlp_artifacts):
                r.start += start
                r.end += start
                # libphonenumber accepts some dotted quads ("81.10.238.158") as numbers: an
                # IPv4 address is an IP, not a phone.
                if (
                    r.start < e
                    and s < r.end
                    and not _is_ipv4(text[r.start : r.end])
                    and not rejected_by_context(text, r.start, r.end)
                ):
                    results.append(r)
        return EntityRecognizer.remove_duplicates(results)


def _is_ipv4(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value.strip())
    except ValueError:
        return False
    return True


class PhoneFormatRecognizer(RegexSpanRecognizer):
    """Numbers *written as phone numbers* (grouping and separators people use), whether or
    not libphonenumber knows the area code: ``(556) 219-8170``, ``+1 488-802-8593``,
    ``090-7212-5338``, ``+49 151 39826415``. Complements MultiRegionPhoneRecognizer."""

    ENTITY = PHONE_NUMBER
    CONTEXT = ("phone", "call", "mobile", "cell", "tel", "reach")
    PATTERNS: ClassVar[tuple[SpanPattern, ...]] = (
        SpanPattern(
            "nanp parenthesised",
            re.compile(r"(?<![\w+])(?:\+?1[ .-]?)?\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}(?!\d)"),
            0.7,
        ),
        SpanPattern("nanp dashed", re.compile(r"(?<![\w.\-/])\d{3}-\d{3}-\d{4}(?![\w\-])"), 0.5),
        SpanPattern(
            "international",
            # Groups up to 8 digits: "+44 7607 357164", "+49 151 51820670".
            re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .\-]\(?\d{1,8}\)?){1,5}(?![\w\-])"),
            0.6,
        ),
        SpanPattern(
            "trunk prefix", re.compile(r"(?<![\w\-])0\d{1,4}-\d{2,4}-\d{4}(?![\w\-])"), 0.5
        ),
    )

    def may_match(self, text: str) -> bool:
        """Every match has 8 or more digits in one digit run (its separators are in the
        run's gap class)."""
        return longest_digit_run(text) >= 8

    def find_spans(self, text: str) -> list[tuple[int, int, float]]:
        """The base class's spans less those the shared phone hook rejects
        (:func:`redaction.recognizers.phones.rejected_by_context`)."""
        return [s for s in super().find_spans(text) if not rejected_by_context(text, s[0], s[1])]

    def validate(self, value: str) -> bool:
        """8 to 15 digits (E.164 allows at most 15)."""
        digits = sum(c.isdigit() for c in value)
        return 8 <= digits <= 15 and not _is_ipv4(value)


# Issuer prefixes: Visa 4, Mastercard 51-55 and 2221-2720, Amex 34/37, Diners 30/36/38,
# Discover 6011/644-649/65, JCB 35, UnionPay 62, Maestro 50/56-58/6.
_CARD_ISSUER = re.compile(r"^(?:4|5[0-8]|2[2-7]|3[0478]|35|6)")


class CardRecognizer(Prefiltered, CreditCardRecognizer):
    """Presidio's Luhn-validated card recognizer, widened to 13-19 digits (19-digit Visa,
    Mastercard 2-series) and narrowed to real issuer prefixes; a text with fewer than 13
    digits is skipped."""

    def may_match(self, text: str) -> bool:  # noqa: D102
        return digit_count(text) >= 13

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("card 13-19 digits", r"(?<![\d\-])\d(?:[ \-]?\d){12,18}(?![\d])", 0.3),
    ]

    def validate_result(self, pattern_text: str) -> bool:  # noqa: D102
        digits = re.sub(r"\D", "", pattern_text)
        if not 13 <= len(digits) <= 19 or not _CARD_ISSUER.match(digits):
            return False
        return bool(super().validate_result(pattern_text))
