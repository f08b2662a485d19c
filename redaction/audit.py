"""Residual-data audit: a second line of detection over the texts about to be published.

The redactor (Presidio + spaCy + the project's recognizers) is the first line. The audit reads
its output, masks in place what it still finds, with the redactor's typed placeholders
(``<PHONE_NUMBER>``, ``<PERSON>``, ...; ``<RAW_ID>`` for a raw id of the run), and counts what it
masked per type and how many texts held something. A run fails only when that share of texts
passes a rate that signals a broken redactor (``--audit-budget``, :data:`DEFAULT_BUDGET_SHARE`);
a handful of findings is masked and published (issue 18, item 3).

Its detectors are of a different kind from the redactor's where that is possible, so the two
do not miss the same things:

- checksums and strict validators: Luhn with issuer prefixes and IBAN mod-97 (python-stdnum),
  SSN issuance rules, IPv4 outside loopback, detect-secrets' typed plugins, PEM blocks,
  provider key shapes, credentials inside URLs, home paths with a user name;
- phones: libphonenumber *parsing* of every digit run written like a number: with ``+``, valid
  for its country code; after a phone cue word, valid in some region; with a trunk ``0`` or
  parentheses, valid in some region; grouped (``415 555 0132``), valid in one of a few large
  regions. An ungrouped digit run without a cue (an order number) is left alone;
- person names: the name lexicon (:mod:`redaction.names`) over capitalised words, with no NER:
  a capitalised word next to a name cue (greetings, sign-offs, "my manager", titles, "sent
  by", "cc", "name is") that the lexicon knows as a name; two lexicon names in a row (a first
  name, then a name; not two ordinary words); a name beside a ``<PERSON>`` placeholder (the
  rest of a name the redactor cut in half);
- street addresses by shape: a house number with capitalised words and a street word after
  them (``12 Withers Close``), a street word then a house number (``Kieler Strasse 90``,
  ``Via Roma 12``, ``Hauptstraße 5``), or a street word first after the number
  (``2 rue de Rivoli``);
- an exact match against the raw ids of the run.

Its precision matters because every hit alters published text; its recall and its false
positives on clean text are measured in ``bench/eval_audit.py`` (docs/redaction.md). The
result holds counts only, never a value or an offset. No Presidio, spaCy or torch import: the
launcher audits the published labels, and that must stay cheap.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from stdnum import luhn
from stdnum.iso7064 import mod_97_10

from redaction import entities as E
from redaction import names as N
from redaction.secret_plugins import TYPED_PLUGINS
from redaction.spans import Span, apply_spans, merge_spans, trim_foreign_edges
from redaction.text_safety import digit_count

RAW_ID = "RAW_ID"
AUDITED_TYPES: tuple[str, ...] = (
    E.EMAIL_ADDRESS, E.CREDIT_CARD, E.IBAN_CODE, E.US_SSN, E.PHONE_NUMBER, E.IP_ADDRESS,
    E.SECRET, E.CONNECTION_STRING, E.HOME_PATH, E.PERSON, E.STREET_ADDRESS, RAW_ID,
)  # fmt: skip
#: The default ``--audit-budget``: a run whose audit finds something in more than 0.1% of its
#: texts fails (a working redactor leaves far fewer; one with a recognizer missing, far more).
DEFAULT_BUDGET_SHARE = 0.001

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
_PEM = re.compile(
    r"-----BEGIN[A-Z ]{0,30} PRIVATE KEY( BLOCK)?-----.*?(?:-----END[A-Z ]{0,30} PRIVATE KEY"
    r"( BLOCK)?-----|\Z)",
    re.DOTALL,
)
# Credentials inside a URL, also with reserved characters in the password (which
# detect-secrets' BasicAuthDetector skips); a placeholder password does not count. The whole
# URL is masked, as the redactor does.
_URL_CREDENTIALS = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s/@:<>]*:(?!<)[^\s@/<>]+@[A-Za-z0-9\[][^\s<>\"'`]*"
)
# A plugin's capture group can be only a token's prefix (GitHub's ``(ghp|gho|...)_...``,
# GitLab's ``(glpat|...)-...``): the span runs on over the token's characters, as the
# redactor's does (less the dot, which ends sentences).
_TOKEN_TAIL = re.compile(r"[A-Za-z0-9_\-+/=]*")
_ID_TOKEN = re.compile(r"[A-Za-z0-9_\-]+")
_SIMPLE_ID = re.compile(r"^[A-Za-z0-9_\-]+$")
_SHARED_HOMES = frozenset({"shared", "public", "default", "guest", "all"})

# -- phones --------------------------------------------------------------------------------
_PHONE_RUN = re.compile(
    r"(?<![\w.+/\-:#@])(?:\+[ \t]?)?(?:(?:\(\d{1,5}\)|\d{1,5})[ .\-\t]?){1,6}\d{2,}"
    r"(?:[ \t]*(?:ext\.?|x|extension)[ \t]*\d{1,6})?(?![\w/@]|[.\-:/]\d)"
)
_PHONE_CUE_BEFORE = re.compile(
    r"(?i:\b(?:call|called|calling|phone|tel|telephone|mobile|mob|cell|cellphone|whatsapp|"
    r"signal|telegram|viber|sms|text\s+me|reach\s+me|reach\s+us|fax|ring|dial|hotline|"
    r"helpline|landline|number|telefon|téléphone|telefone|teléfono|telefono|handy|móvil|"
    r"movil|portable|cellulare|tél|tlf|nr)\b)[^\n\d]{0,25}\n?[ \t]*$"
)
_PHONE_CUE_AFTER = re.compile(
    r"^[ \t\-–—(]*(?i:office|mobile|cell|fax|home|work|desk|tel|phone|whatsapp|landline)\b"
)
_EXTENSION = re.compile(r"(?i)[ \t]*(?:ext\.?|x|extension)[ \t]*\d{1,6}$")
_DATE_LIKE = re.compile(
    r"^(?:\d{4}[\-./ ]\d{1,2}[\-./ ]\d{1,2}|\d{1,2}[\-./ ]\d{1,2}[\-./ ]\d{2,4})$"
)
_NOT_A_PHONE = re.compile(r"^\d+\.\d+$|\d{4}-\d\d-\d\d|\d:\d\d|\S\s*\(\d+\)$")
_SSN_SHAPE = re.compile(r"^\d{3}-\d{2}-\d{4}$")
_GROUPS = re.compile(r"[ .\-\t()]+")
# Grouped numbers without a cue or a trunk prefix are checked against these regions only.
_GROUPED_REGIONS = ("US", "GB", "DE", "FR", "IN", "BR", "MX", "ES", "IT", "AU", "CA", "NL")

# -- names ---------------------------------------------------------------------------------
_LATIN_UPPER = "A-ZÀ-ÖØ-ÞĀ-Žſ-ɏ"  # capital letters of Latin-1 and Latin Extended-A/B
_LATIN_LOWER = "a-zß-öø-ÿā-žſ-ɏ"
_CAP_WORD = rf"[{_LATIN_UPPER}][{_LATIN_LOWER}]+(?:['’\-][{_LATIN_UPPER}]?[{_LATIN_LOWER}]+)*"
_PARTICLES = r"(?:van|von|de|da|di|del|della|der|den|dos|das|du|la|le|bin|ibn|al|el|ter|ten)"
_NAME_GAP = rf"[ \t]+(?:{_PARTICLES}[ \t]+){{0,2}}(?:[{_LATIN_UPPER}]\.?[ \t]+)?"
# Words glued to a dot, slash, underscore, @ or # are identifiers, paths or handles.
_WORD_EDGE_BEFORE = r"(?<![\w.@#$/\\\-'’])"
_WORD_EDGE_AFTER = r"(?![\w@/\\]|\.\w|\(|['’]\w)"
_CAP = re.compile(rf"{_WORD_EDGE_BEFORE}{_CAP_WORD}{_WORD_EDGE_AFTER}")
_GAP = re.compile(_NAME_GAP)
_SPACES = re.compile(r"[ \t]+")
# Cues after which a capitalised word the lexicon does not know is a name too: greetings and
# sign-offs (several languages), "sent by", "cc", "name is", a relation, a title.
_STRONG_CUES = (
    r"hi|hello|hey|dear|hallo|hola|bonjour|ciao|thanks|thank\s+you|thx|cheers|regards|"
    r"kind\s+regards|best\s+regards|warm\s+regards|sincerely|yours|greetings|danke|gracias|"
    r"merci|grazie|obrigad[oa]|tack|takk|kiitos|dziękuję|saludos|grüße|gruß|mfg|signed|"
    r"sent\s+by|submitted\s+by|reported\s+by|written\s+by|cc|attn|name\s+is|names\s+are|"
    r"my\s+(?:manager|boss|colleague|coworker|co-worker|teammate|lead|supervisor|wife|husband|"
    r"partner|friend|son|daughter|brother|sister|mother|father|mom|dad|doctor|client|"
    r"customer|assistant|intern|name)|mr|mrs|ms|mx|dr|prof|herr|frau|mme|mlle|sr|sra|señor|"
    r"señora|contact|from(?=:)|to(?=:)"
)
# Cues after which the lexicon must know the word as a name.
_WEAK_CUES = (
    r"best|bye|called|i\s+am|i'm|author|owner|assignee|reviewer|said|says|told|asked|ask|"
    r"tell|thank|named|starring|calls\s+me|call\s+me|with\s+my"
)


def _cue_before(cues: str) -> re.Pattern:
    """A cue that ends right before a word (searched in the 40 characters before it)."""
    return re.compile(rf"(?i:(?<![\w])(?:{cues}))(?:[ \t]*[:,.!\-—–]+)?[ \t]*(?:\n[ \t]*)?$")


_STRONG = _cue_before(_STRONG_CUES)
_WEAK = _cue_before(_WEAK_CUES)
# A name beside a <PERSON> placeholder, after it or before it (two patterns: one
# placeholder can have a name on either side).
_BESIDE_PLACEHOLDER = (
    re.compile(rf"<PERSON>[ \t]+(?P<name>{_CAP_WORD}){_WORD_EDGE_AFTER}"),
    re.compile(rf"{_WORD_EDGE_BEFORE}(?P<name>{_CAP_WORD})[ \t]+<PERSON>"),
)
# A speaker at the start of a line: "Kimberly: Remember me?"
_LINE_START = re.compile(r"(?:^|\n)[ \t]*$")
_COLON = re.compile(r"[ \t]*:[ \t]")
# Single capitalised words in a list: "Gabriele, Joseph, Mikayla and Jessica"
_LIST = re.compile(
    rf"{_WORD_EDGE_BEFORE}{_CAP_WORD}(?:,[ \t]+{_CAP_WORD})*,?[ \t]+(?:and|or|&|und|et|y|e)"
    rf"[ \t]+{_CAP_WORD}{_WORD_EDGE_AFTER}"
)
_STOP_WORDS = frozenset(
    "a an the and or but if of to in on at by for from with as is are was were be been am i "
    "you he she it we they me my your his her its our their this that these those not no yes "
    "all any some each every other new old please hi hello hey dear thanks".split()
)
_NOT_NAME = N.COMMON | N.TECH

# -- street addresses ----------------------------------------------------------------------
_STREET_SUFFIX = (
    r"Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Pl|"
    r"Terrace|Close|Crescent|Square|Sq|Highway|Hwy|Parkway|Pkwy|Circle|Cir|Trail|Row|Mews|"
    r"Gardens|Grove|Walk|Alley|Plaza|Strasse|Straße|Str|Allee|Gasse|Weg|Platz|Laan|Straat|"
    r"Gatan|Vägen|Veien|Vej|Gade|Katu|Utca|Út"
)
_STREET_FIRST = (
    r"Rue|Rua|Calle|Carrer|Avenida|Av|Avda|Via|Viale|Piazza|Corso|Largo|Praça|Travessa|Paseo|"
    r"Carrera|Chemin|Quai|Impasse|Allée|Boulevard|Avenue|Ulica|ul|Strada|Estrada|Rambla"
)
_NAME_PART = rf"[{_LATIN_UPPER}][{_LATIN_LOWER}'’\-]+"
_STREET_PARTICLES = r"(?:(?:de|del|da|do|dos|das|di|du|des|la|le|l'|d'|the|of)[ \t]+){0,2}"
_HOUSE = r"\d{1,5}[A-Za-z]?"
_ADDRESSES = (
    # 12 Withers Close / 1600 N. Pennsylvania Avenue
    re.compile(
        rf"(?<![\w.,:/\-]){_HOUSE},?[ \t]+(?:[NSEW]\.?[ \t]+)?(?:{_NAME_PART}[ \t]+){{1,3}}"
        rf"(?:{_STREET_SUFFIX})\b\.?"
    ),
    # Kieler Strasse 90 / Baker Street 221b
    re.compile(
        rf"\b(?:{_NAME_PART}[ \t]+){{1,3}}(?:{_STREET_SUFFIX})\.?,?[ \t]+{_HOUSE}(?![\w.:/\-]|,\d)"
    ),
    # Hauptstraße 5 / Lindenweg 12 / Kungsgatan 7
    re.compile(
        rf"\b[{_LATIN_UPPER}][{_LATIN_LOWER}]+(?:straße|strasse|str\.|weg|gasse|platz|allee|"
        rf"damm|laan|straat|gatan|vägen|veien|vej|gade|katu|utca)[ \t]+{_HOUSE}(?![\w.:/\-]|,\d)"
    ),
    # Via Roma 12 / Calle de Alcalá, 45 / ul. Długa 5 / Rua Augusta, nº 10
    re.compile(
        rf"\b(?:{_STREET_FIRST})\.?[ \t]+{_STREET_PARTICLES}{_NAME_PART}"
        rf"(?:[ \t]+{_NAME_PART}){{0,2}},?[ \t]+(?:n[º°o.]?[ \t]*)?{_HOUSE}(?![\w.:/\-]|,\d)"
    ),
    # Apt. 275 / Suite 716 / Unit 9173 Box 3123 (a unit of an address, also alone)
    re.compile(
        r"\b(?:Apt\.?|Apartment|Suite|Unit|Flat)[ \t]+\d{1,5}[A-Za-z]?(?:[ \t]+Box[ \t]+\d{1,5})?\b"
    ),
    # 2 rue de Rivoli / 5 via Roma / 10 Calle Mayor
    re.compile(
        rf"(?<![\w.,:/\-]){_HOUSE},?[ \t]+(?i:{_STREET_FIRST})\.?[ \t]+{_STREET_PARTICLES}"
        rf"{_NAME_PART}(?:[ \t]+{_NAME_PART}){{0,2}}"
    ),
)


@dataclass(frozen=True)
class AuditResult:
    """What the audit masked: values per type (every type in AUDITED_TYPES, zeros included),
    the non-empty texts it read and how many of them held something. Counts only, never a
    value or an offset."""

    counts: dict[str, int] = field(default_factory=dict)
    texts_scanned: int = 0
    texts_with_findings: int = 0

    @property
    def total(self) -> int:
        """All values masked."""
        return sum(self.counts.values())

    @property
    def share(self) -> float:
        """Texts with a finding / texts read (0.0 when none was read)."""
        return self.texts_with_findings / self.texts_scanned if self.texts_scanned else 0.0

    def over_budget(self, share: float) -> bool:
        """True if more than ``share`` of the texts held a finding: the redactor looks
        broken and the run must not publish."""
        return self.share > share

    def exceeded_types(self, budget: Mapping[str, int] | int) -> list[str]:
        """Types whose count is above budget. An int is a budget on the total (returns
        ["TOTAL"] when exceeded); in a mapping, "*" is the default for unlisted types
        (0 if absent)."""
        if isinstance(budget, int):
            return ["TOTAL"] if self.total > budget else []
        default = budget.get("*", 0)
        return [t for t, n in sorted(self.counts.items()) if n > budget.get(t, default)]

    def exceeds(self, budget: Mapping[str, int] | int) -> bool:
        """True if the findings are above a budget of *counts* (see :meth:`over_budget` for
        the run's budget, a share of texts)."""
        return bool(self.exceeded_types(budget))

    def as_record(self) -> dict:
        """A JSON-ready dict: ``findings`` per type, ``texts``, ``texts_with_findings``."""
        return {
            "findings": dict(sorted(self.counts.items())),
            "texts": self.texts_scanned,
            "texts_with_findings": self.texts_with_findings,
        }

    @classmethod
    def from_record(cls, record: Mapping | None) -> AuditResult:
        """The inverse of :meth:`as_record`; an empty or missing record is no finding."""
        record = record or {}
        counts = {t: 0 for t in AUDITED_TYPES}
        for kind, n in (record.get("findings") or {}).items():
            counts[str(kind)] = counts.get(str(kind), 0) + int(n)
        return cls(
            dict(sorted(counts.items())),
            int(record.get("texts", 0)),
            int(record.get("texts_with_findings", 0)),
        )

    def __add__(self, other: AuditResult) -> AuditResult:
        counts = Counter(self.counts)
        counts.update(other.counts)
        return AuditResult(
            dict(sorted(counts.items())),
            self.texts_scanned + other.texts_scanned,
            self.texts_with_findings + other.texts_with_findings,
        )


@dataclass(frozen=True)
class AuditedBatch:
    """The texts with every finding masked (None and "" as given) and what was masked."""

    texts: list[str | None]
    result: AuditResult


_ESCAPED_BREAK = re.compile(r"(?<!\\)\\[nrt]")


def _view(text: str) -> str:
    """``text`` with a written-out line break or tab ("\\n" in pasted JSON or logs) read as
    one: same length, so offsets hold, and "\\nAna" starts a word. Names, phones and
    addresses are looked for in this view; paths, secrets and ids in the text itself."""
    if "\\" not in text:
        return text
    return _ESCAPED_BREAK.sub(lambda m: "  " if m.group(0) == "\\t" else " \n", text)


def _card_ok(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    return 13 <= len(digits) <= 19 and bool(_CARD_PREFIX.match(digits)) and luhn.is_valid(digits)


def _iban_ok(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    return mod_97_10.is_valid(compact[4:] + compact[:4])


def _ip_ok(candidate: str) -> bool:
    try:
        address = ipaddress.IPv4Address(candidate)
    except ValueError:
        return False
    return not (address.is_loopback or address.is_unspecified)


@lru_cache(maxsize=1)
def _all_regions() -> tuple[str, ...]:
    return tuple(sorted(phonenumbers.SUPPORTED_REGIONS))


@lru_cache(maxsize=4096)
def _valid_in(number: str, regions: tuple[str, ...]) -> bool:
    """True if ``number`` (national digits) is a valid number of one of ``regions``."""
    for region in regions:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return True
    return False


def _phone_ok(value: str, cue: bool) -> bool:
    body = _EXTENSION.sub("", value).strip()
    digits = sum(c.isdigit() for c in body)
    if not 7 <= digits <= 15 or _DATE_LIKE.match(body) or _SSN_SHAPE.match(body):
        return False
    if body.startswith("+"):
        try:
            return phonenumbers.is_valid_number(phonenumbers.parse(body, None))
        except phonenumbers.NumberParseException:
            return False
    if _NOT_A_PHONE.search(body.strip("()")):
        return False  # a decimal, a date inside, "(2016)" after a number
    groups = [g for g in _GROUPS.split(body.strip("()")) if g]
    if "." in body and len(groups) == 4 and all(len(g) <= 3 for g in groups):
        return False  # a dotted quad
    if cue:
        return _valid_in(body, _all_regions())
    # Without a cue, national numbers as people write them: a trunk 0 or an area code in
    # parentheses and 9+ digits ("020 7946 0018"), or 10+ digits in groups ("415 555 0132").
    if body.startswith(("0", "(")) and len(groups) >= 2 and digits >= 9:
        return _valid_in(body, _all_regions())
    if len(groups) >= 2 and digits >= 10:
        return _valid_in(body, _GROUPED_REGIONS)
    return False


def _name_flags(word: str) -> int:
    if word.lower() in _STOP_WORDS:
        return N.COMMON
    return N.lexicon().flags(word)


def _first_name(flags: int) -> bool:
    return bool(flags & N.FIRST) and not flags & _NOT_NAME


def _any_name(flags: int) -> bool:
    return bool(flags & N.NAME) and not flags & _NOT_NAME


def _pair_is_name(first: str, second: str) -> bool:
    """Two capitalised words in a row that the lexicon reads as a first name and a name, not
    as two ordinary words, two places, or a place or tool of two words ("San Jose")."""
    f1, f2 = _name_flags(first), _name_flags(second)
    if not (_first_name(f1) and _any_name(f2)):
        return False
    if f1 & N.AMBIGUOUS and f2 & N.AMBIGUOUS:
        return False  # "Long Short", "Lee Brown": too often ordinary words
    if f1 & N.PLACE and f2 & N.PLACE:
        return False
    if not (f1 | f2) & (N.FIRST_TOP | N.LAST_TOP):
        return False  # two rare names in a row: more often a title than a person
    return not N.lexicon().flags(f"{first} {second}") & (N.PLACE | N.TECH)


def _clean_first(flags: int) -> bool:
    """A popular first name that is no ordinary word, place or tool ("Jessica", not "Will",
    "Jordan" or "Ruby")."""
    return bool(flags & N.FIRST_TOP) and not flags & (N.AMBIGUOUS | N.PLACE | _NOT_NAME)


def _cued(text: str, words: list[tuple[int, int]]) -> Iterator[Span]:
    """Capitalised words after a name cue, or a speaker's name before a colon at the start
    of a line. After a strong cue a word the lexicon does not know counts; otherwise the
    lexicon must know it as a name. A second word beside it that is a name or unknown is the
    surname. A cue word that is capitalised itself ("sent by Mr X") is the next word's cue."""
    for i, (start, end) in enumerate(words):
        first = text[start:end]
        f1 = _name_flags(first)
        if f1 != 0 and not _any_name(f1):
            continue
        before = text[max(0, start - 40) : start]
        strong = _STRONG.search(before) is not None
        nxt = words[i + 1] if i + 1 < len(words) else None
        second = nxt if nxt and _GAP.fullmatch(text, end, nxt[0]) else None
        if strong or _WEAK.search(before):
            if f1 == 0 and not (strong and len(first) > 2):
                continue
        elif _LINE_START.search(before):  # a speaker: "Ana:", "Ana Silva:"
            if second and _COLON.match(text, second[1]):
                f2 = _name_flags(text[second[0] : second[1]])
                if _any_name(f1) and (f2 == 0 or _any_name(f2)):
                    yield Span(start, second[1], E.PERSON)
                continue
            if not (_COLON.match(text, end) and _any_name(f1) and not f1 & N.AMBIGUOUS):
                continue
            second = None
        else:
            continue
        if second is not None:
            f2 = _name_flags(text[second[0] : second[1]])
            if f2 == 0 or _any_name(f2):
                end = second[1]  # a surname beside the name, known or not
        yield Span(start, end, E.PERSON)


def _beside_ok(word: str) -> bool:
    """A word that, next to a name (or a <PERSON> placeholder), is more of the name."""
    flags = _name_flags(word)
    return _any_name(flags) and not flags & N.AMBIGUOUS


def _grown(text: str, words: list[tuple[int, int]], spans: list[Span]) -> Iterator[Span]:
    """Each name span grown over the capitalised words right beside it (spaces between) that
    the lexicon knows as names, as :data:`_BESIDE_PLACEHOLDER` would take them once the
    span is a placeholder: masking the output again then changes nothing."""
    index = {start: i for i, (start, _) in enumerate(words)}
    ends = {end: i for i, (_, end) in enumerate(words)}
    for span in spans:
        start, end = span.start, span.end
        i = ends.get(end)
        while i is not None and i + 1 < len(words):
            s2, e2 = words[i + 1]
            if not _SPACES.fullmatch(text, end, s2) or not _beside_ok(text[s2:e2]):
                break
            end, i = e2, i + 1
        i = index.get(start)
        while i is not None and i > 0:
            s0, e0 = words[i - 1]
            if not _SPACES.fullmatch(text, e0, start) or not _beside_ok(text[s0:e0]):
                break
            start, i = s0, i - 1
        yield Span(start, end, E.PERSON)


def _pairs(text: str, words: list[tuple[int, int]]) -> Iterator[Span]:
    """Two lexicon names in a row (a particle or an initial may sit between), and a third
    word after them that is a name or unknown to the lexicon ("Maria Garcia Okafor")."""
    i = 0
    while i + 1 < len(words):
        (s1, e1), (s2, e2) = words[i], words[i + 1]
        first, second = text[s1:e1], text[s2:e2]
        if _GAP.fullmatch(text, e1, s2) and (
            _pair_is_name(first, second)
            # a popular first name and a surname the lexicon does not know ("Djevad Mitnjek")
            or (_clean_first(_name_flags(first)) and _name_flags(second) == 0 and len(second) > 2)
        ):
            end, i = e2, i + 2
            if i < len(words) and _GAP.fullmatch(text, end, words[i][0]):
                flags = _name_flags(text[words[i][0] : words[i][1]])
                if flags == 0 or _any_name(flags):
                    end, i = words[i][1], i + 1
            yield Span(s1, end, E.PERSON)
        else:
            i += 1


def _listed(text: str) -> Iterator[Span]:
    """Names in a list of single capitalised words where two or more are popular first names
    that are no ordinary words ("Gabriele, Joseph, Mikayla and Jessica"); the list's other
    words count when the lexicon knows them as names or does not know them."""
    for m in _LIST.finditer(text):
        items = [(w.start(), w.end()) for w in _CAP.finditer(text, m.start(), m.end())]
        flags = [_name_flags(text[a:b]) for a, b in items]
        if sum(1 for f in flags if _clean_first(f)) < 2:
            continue
        for (a, b), f in zip(items, flags, strict=True):
            if f == 0 or _any_name(f):
                yield Span(a, b, E.PERSON)


class _Auditor:
    """Holds the compiled detectors and the raw-id index for one audit call."""

    def __init__(self, raw_ids: Collection[str]) -> None:
        self.simple_ids = {i for i in raw_ids if i and _SIMPLE_ID.match(i)}
        self.other_ids = [i for i in raw_ids if i and not _SIMPLE_ID.match(i)]
        self.secret_patterns = [p for cls in TYPED_PLUGINS for p in cls().denylist]
        self.basic_auth = list(BasicAuthDetector().denylist)

    def spans(self, text: str) -> list[Span]:
        """Disjoint typed spans of ``text`` to mask (overlaps merged by entity priority)."""
        view = _view(text)
        found: list[Span] = []
        add = found.append
        for m in _EMAIL.finditer(view):
            add(Span(m.start(), m.end(), E.EMAIL_ADDRESS))
        digits = digit_count(text)
        if digits >= 7:
            for start, end in self._phones(view):
                add(Span(start, end, E.PHONE_NUMBER))
            for m in _IBAN.finditer(view):
                if _iban_ok(m[0]):
                    add(Span(m.start(), m.end(), E.IBAN_CODE))
        if digits >= 9:
            for m in _CARD.finditer(view):
                if _card_ok(m[0]):
                    add(Span(m.start(), m.end(), E.CREDIT_CARD))
            for m in _SSN.finditer(view):
                add(Span(m.start(), m.end(), E.US_SSN))
        if digits >= 4:
            for m in _IPV4.finditer(view):
                if _ip_ok(m[0]):
                    add(Span(m.start(), m.end(), E.IP_ADDRESS))
        if digits:
            for pattern in _ADDRESSES:
                for m in pattern.finditer(view):
                    add(Span(m.start(), m.end(), E.STREET_ADDRESS))
        found.extend(self._names(view))
        # Paths, secrets, credentials and ids as written (a backslash there is no break).
        found.extend(self._secrets(text))
        if "://" in text:
            for m in _URL_CREDENTIALS.finditer(text):
                add(Span(m.start(), m.end(), E.CONNECTION_STRING))
            for pattern in self.basic_auth:
                for m in pattern.finditer(text):
                    if not m[1].startswith("<"):  # a placeholder or "<password>" is none
                        add(Span(*m.span(1), E.CONNECTION_STRING))
        for m in _HOME.finditer(text):
            if m["user"].lower() not in _SHARED_HOMES:
                add(Span(m.start(), m.end(), E.HOME_PATH))
        found.extend(self._raw_ids(text))
        trimmed = (trim_foreign_edges(text, s) for s in found if s.end > s.start)
        return merge_spans(s for s in trimmed if s is not None)

    @staticmethod
    def _phones(text: str) -> Iterator[tuple[int, int]]:
        for m in _PHONE_RUN.finditer(text):
            start, end = m.span()
            value = text[start:end].rstrip(" .-\t")
            end = start + len(value)
            cue = (
                _PHONE_CUE_BEFORE.search(text, max(0, start - 40), start) is not None
                or _PHONE_CUE_AFTER.search(text[end : end + 16]) is not None
            )
            if _phone_ok(value, cue):
                yield start, end

    def _secrets(self, text: str) -> Iterator[Span]:
        for pattern in self.secret_patterns:
            for m in pattern.finditer(text):
                groups = [g for g in range(1, (m.lastindex or 0) + 1) if m.group(g)]
                for g in groups or [0]:
                    start, end = m.span(g)
                    yield Span(start, _TOKEN_TAIL.match(text, end).end(), E.SECRET)
        for m in _PROVIDER_KEYS.finditer(text):
            yield Span(m.start(), m.end(), E.SECRET)
        if "PRIVATE KEY" in text:
            for m in _PEM.finditer(text):
                yield Span(m.start(), m.end(), E.SECRET)

    @staticmethod
    def _names(text: str) -> Iterator[Span]:
        words = [(m.start(), m.end()) for m in _CAP.finditer(text)]
        if not words:
            return
        found = [*_cued(text, words), *_pairs(text, words), *_listed(text)]
        yield from _grown(text, words, found)
        if "<PERSON>" in text:
            for pattern in _BESIDE_PLACEHOLDER:
                for m in pattern.finditer(text):
                    if _beside_ok(m["name"]):
                        yield Span(m.start("name"), m.end("name"), E.PERSON)

    def _raw_ids(self, text: str) -> Iterator[Span]:
        if self.simple_ids:
            for m in _ID_TOKEN.finditer(text):
                if m[0] in self.simple_ids:
                    yield Span(m.start(), m.end(), RAW_ID)
        for raw in self.other_ids:
            start = text.find(raw)
            while start >= 0:
                yield Span(start, start + len(raw), RAW_ID)
                start = text.find(raw, start + len(raw))


def find_spans(text: str, raw_ids: Collection[str] = ()) -> list[Span]:
    """The audit's disjoint typed spans in one text (offsets into ``text``; for evaluation)."""
    return _Auditor(raw_ids).spans(text)


_MAX_ROUNDS = 4


def audit_batch(texts: Sequence[str | None], raw_ids: Collection[str] = ()) -> AuditedBatch:
    """Mask what the audit finds in ``texts`` with typed placeholders and count it.

    :param texts: text values about to be published, any number of columns (None and ""
        are passed through and not counted as read).
    :param raw_ids: raw user/session/request ids of the run; an exact occurrence (as a whole
        ``[A-Za-z0-9_-]`` token, or as a substring for ids with other characters) is masked
        as ``<RAW_ID>``.
    :return: the masked texts, position for position, and an :class:`AuditResult`.
    """
    auditor = _Auditor(raw_ids)
    totals: Counter[str] = Counter({t: 0 for t in AUDITED_TYPES})
    out: list[str | None] = []
    scanned = flagged = 0
    for text in texts:
        if not text:
            out.append(text)
            continue
        if not isinstance(text, str):
            raise TypeError(f"audit expects str or None, got {type(text).__name__}")
        scanned += 1
        spans = auditor.spans(text)
        if spans:
            flagged += 1
            # A placeholder can complete a shape its value hid ("Close4111..." becomes
            # "Close<CREDIT_CARD>"): look again until nothing is left (masking is idempotent).
            for _ in range(_MAX_ROUNDS):
                text, counts = apply_spans(text, spans)
                totals.update(counts)
                spans = auditor.spans(text)
                if not spans:
                    break
        out.append(text)
    return AuditedBatch(out, AuditResult(dict(sorted(totals.items())), scanned, flagged))


def audit_texts(texts: Iterable[str | None], raw_ids: Collection[str] = ()) -> AuditResult:
    """Count what :func:`audit_batch` would mask in ``texts`` (None and "" are skipped)."""
    return audit_batch(list(texts), raw_ids).result
