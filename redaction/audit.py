"""Residual-data audit: an independent second detector over texts about to be published.

It does not call Presidio or spaCy. It uses strict validators (Luhn with card prefixes,
IBAN mod-97, SSN issuance rules, phone numbers valid per libphonenumber, detect-secrets'
typed plugins and PEM headers, credentials inside URLs, home paths with a user name) and an
exact match against the raw ids of the run. It returns counts per type, never values, so the
result can go into the run's record; ``exceeds`` tells the caller to fail the run.

Not audited (no strict validator exists): person names and street addresses.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

import phonenumbers
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector

from redaction import entities as E
from redaction.secret_plugins import TYPED_PLUGINS
from redaction.text_safety import digit_count

RAW_ID = "RAW_ID"
AUDITED_TYPES: tuple[str, ...] = (
    E.EMAIL_ADDRESS, E.CREDIT_CARD, E.IBAN_CODE, E.US_SSN, E.PHONE_NUMBER, E.IP_ADDRESS,
    E.SECRET, E.CONNECTION_STRING, E.HOME_PATH, RAW_ID,
)  # fmt: skip

_EMAIL = re.compile(
    r"(?<![\w.+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}(?![\w])"
)
_CARD = re.compile(r"(?<![\d\-])\d(?:[ \-]?\d){12,18}(?![\d])")
_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|3[068]|6011|65|64[4-9]|35)")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_SSN = re.compile(r"(?<![\d\-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d\-])")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_HOME = re.compile(
    r"(?:(?<![\w.])/home/|(?<![\w.])/Users/|(?<!\w)[A-Za-z]:(?:\\\\|\\|/)Users(?:\\\\|\\|/))"
    r"(?P<user>[A-Za-z0-9._\-]+)"
)
_PROVIDER_KEYS = re.compile(
    r"(?<![\w-])(?:sk-ant-[A-Za-z0-9_\-]{20,}|sk-(?:proj|svcacct)-[A-Za-z0-9_\-]{20,}|"
    r"eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}|AIza[0-9A-Za-z_\-]{35}|hf_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})"
)
# Credentials inside a URL, also with reserved characters in the password (which
# detect-secrets' BasicAuthDetector skips); a placeholder password does not count.
_URL_CREDENTIALS = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s/@:<>]*:(?!<)[^\s@/<>]+@[A-Za-z0-9\[]"
)
_ID_TOKEN = re.compile(r"[A-Za-z0-9_\-]+")
_SIMPLE_ID = re.compile(r"^[A-Za-z0-9_\-]+$")
_SHARED_HOMES = frozenset({"shared", "public", "default", "guest", "all"})
_PHONE_REGIONS = ("US", "GB", "DE", "FR", "IN")


@dataclass(frozen=True)
class AuditResult:
    """Residual findings per type (every type in AUDITED_TYPES, zeros included) and how many
    non-null texts were scanned. Holds counts only, never a value or an offset."""

    counts: dict[str, int] = field(default_factory=dict)
    texts_scanned: int = 0

    @property
    def total(self) -> int:
        """All residual findings."""
        return sum(self.counts.values())

    def exceeded_types(self, budget: Mapping[str, int] | int) -> list[str]:
        """Types whose count is above budget. An int is a budget on the total (returns
        ["TOTAL"] when exceeded); in a mapping, "*" is the default for unlisted types
        (0 if absent)."""
        if isinstance(budget, int):
            return ["TOTAL"] if self.total > budget else []
        default = budget.get("*", 0)
        return [t for t, n in sorted(self.counts.items()) if n > budget.get(t, default)]

    def exceeds(self, budget: Mapping[str, int] | int) -> bool:
        """True if the residual findings are above ``budget`` (the run must not publish)."""
        return bool(self.exceeded_types(budget))


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _iban_ok(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def _ip_ok(candidate: str) -> bool:
    try:
        address = ipaddress.IPv4Address(candidate)
    except ValueError:
        return False
    return not (address.is_loopback or address.is_unspecified)


class _Auditor:
    """Holds the compiled detectors and the raw-id index for one audit call."""

    def __init__(self, raw_ids: Collection[str]) -> None:
        self.simple_ids = {i for i in raw_ids if i and _SIMPLE_ID.match(i)}
        self.other_ids = [i for i in raw_ids if i and not _SIMPLE_ID.match(i)]
        self.plugins = [cls() for cls in TYPED_PLUGINS]
        self.private_key = PrivateKeyDetector()
        self.basic_auth = BasicAuthDetector()

    def scan(self, text: str) -> Counter[str]:
        found: Counter[str] = Counter()
        found[E.EMAIL_ADDRESS] += len(_EMAIL.findall(text))
        if digit_count(text) >= 9:
            found[E.CREDIT_CARD] += sum(1 for m in _CARD.finditer(text) if self._card(m[0]))
            found[E.US_SSN] += len(_SSN.findall(text))
            found[E.PHONE_NUMBER] += self._phones(text)
        found[E.IBAN_CODE] += sum(1 for m in _IBAN.finditer(text) if _iban_ok(m[0]))
        found[E.IP_ADDRESS] += sum(1 for m in _IPV4.finditer(text) if _ip_ok(m[0]))
        found[E.SECRET] += self._secrets(text)
        if "://" in text:
            found[E.CONNECTION_STRING] += len(
                set(self.basic_auth.analyze_string(text)) | set(_URL_CREDENTIALS.findall(text))
            )
        found[E.HOME_PATH] += sum(
            1 for m in _HOME.finditer(text) if m["user"].lower() not in _SHARED_HOMES
        )
        found[RAW_ID] += self._raw_ids(text)
        return found

    @staticmethod
    def _card(candidate: str) -> bool:
        digits = re.sub(r"\D", "", candidate)
        return 13 <= len(digits) <= 19 and bool(_CARD_PREFIX.match(digits)) and _luhn_ok(digits)

    @staticmethod
    def _phones(text: str) -> int:
        seen: set[tuple[int, int]] = set()
        for region in _PHONE_REGIONS:
            matcher = phonenumbers.PhoneNumberMatcher(
                text, region, leniency=phonenumbers.Leniency.VALID
            )
            seen.update((m.start, m.end) for m in matcher)
        return len(seen)

    def _secrets(self, text: str) -> int:
        values: set[str] = set()
        for plugin in self.plugins:
            values.update(plugin.analyze_string(text))
        values.update(self.private_key.analyze_string(text))
        values.update(m[0] for m in _PROVIDER_KEYS.finditer(text))
        return len(values)

    def _raw_ids(self, text: str) -> int:
        hits = 0
        if self.simple_ids:
            hits += sum(1 for tok in _ID_TOKEN.findall(text) if tok in self.simple_ids)
        hits += sum(text.count(raw) for raw in self.other_ids)
        return hits


def audit_texts(texts: Iterable[str | None], raw_ids: Collection[str] = ()) -> AuditResult:
    """Count residual personal data in ``texts`` (None and "" are skipped).

    :param texts: every text value the run is about to publish, any number of columns.
    :param raw_ids: raw user/session/request ids of the run; an exact occurrence (as a whole
        ``[A-Za-z0-9_-]`` token, or as a substring for ids with other characters) counts.
    :return: AuditResult with a count for every type in AUDITED_TYPES.
    """
    auditor = _Auditor(raw_ids)
    totals: Counter[str] = Counter({t: 0 for t in AUDITED_TYPES})
    scanned = 0
    for text in texts:
        if not text:
            continue
        if not isinstance(text, str):
            raise TypeError(f"audit expects str or None, got {type(text).__name__}")
        scanned += 1
        totals.update(auditor.scan(text))
    return AuditResult(counts=dict(sorted(totals.items())), texts_scanned=scanned)
