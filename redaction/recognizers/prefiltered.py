"""Presidio's stock pattern recognizers behind a cheap necessary condition.

Presidio runs every pattern of every recognizer over every text with the ``regex`` engine,
and most report texts cannot hold an email, an IP address, an IBAN, an SSN or a card number
at all. Each class here states what any match of its patterns must contain (read off the
patterns themselves) and skips a text without it, so the results are the same; the skip
costs one ``str.count`` or one short scan. tests/redaction/test_prefiltered.py compares
these with the same recognizers unfiltered and with the stock ones on synthetic texts
and edge cases. Measured on 16,000 replay texts: IBAN 0.23 -> 0.07 s, IP 1.24 -> 0.78 s,
SSN 0.76 -> 0.38 s, about 4% of redacting those texts (ad hoc timing).
"""

from __future__ import annotations

from redaction import _nlp_stack  # noqa: F401  (first: see its docstring)

# isort: split

import re

from presidio_analyzer.predefined_recognizers import (
    IbanRecognizer,
    IpRecognizer,
    UsSsnRecognizer,
)

from redaction.text_safety import digit_count


class Prefiltered:
    """Mixin for a Presidio PatternRecognizer: ``analyze`` returns no result, without running
    the patterns, for a text where ``may_match`` is False."""

    def may_match(self, text: str) -> bool:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # noqa: D102, ANN001, ANN201
        if not self.may_match(text):
            return []
        return super().analyze(text, entities, nlp_artifacts, regex_flags)  # type: ignore[misc]


# Case-sensitive, as IbanRecognizer's own flags are: two capitals, then two digits.
_IBAN_HEAD = re.compile(r"[A-Z]{2}[0-9]{2}")


class PrefilteredIbanRecognizer(Prefiltered, IbanRecognizer):
    """IBAN: every match starts with a country code and two check digits."""

    def may_match(self, text: str) -> bool:  # noqa: D102
        return _IBAN_HEAD.search(text) is not None


class PrefilteredIpRecognizer(Prefiltered, IpRecognizer):
    """IP: an IPv4 form has three dots; every IPv6 form has at least two colons."""

    def may_match(self, text: str) -> bool:  # noqa: D102
        return text.count(".") >= 3 or text.count(":") >= 2


class PrefilteredUsSsnRecognizer(Prefiltered, UsSsnRecognizer):
    """US SSN: every pattern has nine digits."""

    def may_match(self, text: str) -> bool:  # noqa: D102
        return digit_count(text) >= 9
