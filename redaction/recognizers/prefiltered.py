"""Presidio's stock pattern recognizers behind a cheap necessary condition.

Presidio runs every pattern of every recognizer over every text with the ``regex`` engine,
and most report texts cannot hold an email, an IP address, an IBAN, an SSN or a card number
at all. Each class here states what any match of its patterns must contain (read off the
patterns themselves) and skips a text without it, so the results are the same; the skip
costs one ``str.count`` or one short scan. tests/redaction/test_prefiltered.py compares
these with the same recognizers unfiltered and with the stock ones on synthetic texts
and edge cases. Measured on 16,000 replay texts: IBAN 0.23 -> 0.07 s, IP 1.24 -> 0.78 s,
SSN 0.76 -> 0.38 s, about 4% of redacting those texts (ad hoc timing).

Their patterns also match with the GIL held (:class:`HeldGilRegex`): Presidio matches with
the ``regex`` package, which releases the GIL while it matches a str, and in a Beam worker
(gRPC threads beside the redactor) each release can cost up to the 5 ms switch interval to
get it back. The SSN recognizer took 2.89 s instead of 0.05 s over a replay sample with one
busy Python thread beside it (ad hoc). IBAN's own loop calls ``regex`` directly, so only
its pre-filter helps it.
"""

from __future__ import annotations

from redaction import _nlp_stack  # noqa: F401  (first: see its docstring)

# isort: split

import re
from collections.abc import Iterator

import regex
from presidio_analyzer.predefined_recognizers import (
    IbanRecognizer,
    IpRecognizer,
    UsSsnRecognizer,
)

from redaction.text_safety import digit_count


class HeldGilRegex:
    """A compiled ``regex`` pattern as Presidio's PatternRecognizer uses it (``finditer`` with
    a timeout), matching with the GIL held (``concurrent=False``)."""

    __slots__ = ("_compiled",)

    def __init__(self, compiled: regex.Pattern) -> None:
        self._compiled = compiled

    def finditer(self, text: str, timeout: float | None = None) -> Iterator[regex.Match]:
        return self._compiled.finditer(text, timeout=timeout, concurrent=False)


class Prefiltered:
    """Mixin for a Presidio PatternRecognizer: ``analyze`` returns no result, without running
    the patterns, for a text where ``may_match`` is False; the patterns match with the GIL
    held (:class:`HeldGilRegex`)."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        flags = self.global_regex_flags  # type: ignore[attr-defined]
        for pattern in self.patterns:  # type: ignore[attr-defined]
            # Presidio recompiles only when the flags differ: it keeps this compiled form.
            pattern.compiled_with_flags = flags
            pattern.compiled_regex = HeldGilRegex(regex.compile(pattern.regex, flags=flags))

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
    """US SSN: every pattern has nine digits. Nine digits after a ``+`` country code are
    the rest of an international phone number ("+672 10 6609"), not an SSN."""

    def may_match(self, text: str) -> bool:  # noqa: D102
        return digit_count(text) >= 9

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # noqa: D102, ANN001, ANN201
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return [
            r for r in results if _PLUS_BEFORE.search(text, max(0, r.start - 2), r.start) is None
        ]


_PLUS_BEFORE = re.compile(r"\+[ \t]?$")
