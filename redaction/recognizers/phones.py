"""Phone numbers of every region libphonenumber has metadata for (issue 18).

libphonenumber's matcher scans a text once per region, so the redactor parses only a few
regions that way (:data:`redaction.recognizers.contact.PHONE_REGIONS`). This recognizer
finds *digit runs written like a phone number* (groups of digits with spaces, dots,
dashes, parentheses, an optional ``+`` and extension) and validates each against every
region: an international number must be valid for its country code; a national number
must be valid in some region and written as one (a trunk ``0``, parentheses or ``+``).
After a cue word ("call", "phone", "tel", "mobile", "whatsapp", "reach me", "fax", ...,
also in other languages: "número", "Rückruf", "appelez") or before one ("... office",
"... mobile"), the format check is relaxed: any grouping that is a *possible* number of some
region counts ("call me on 67 501 36 56").

Without any cue, a number *grouped as people write phone numbers* counts when it is a valid
number of some region (:func:`is_grouped_phone`): 7 to 12 digits in two to five groups of
2-8 digits joined by single spaces or dashes ("642 553 625", "52-40-07-16", "95 612537"),
not a date, not a count written with thousands separators ("1 234 567 rows"), not a range
("1200-1350"), not a postcode ("72856-575") or an SSN's 3-2-4 shape. Every phone recognizer
shares one validation hook on the text around a match (:func:`rejected_by_context`): digits
that go on into a street name are a house number ("092 4748 Westfall Avenue"), digits right
after ``12:30:`` or ``12.`` are a time's or a decimal's fraction, digits after "Apt."/"Suite"
are a flat's number.
"""

from __future__ import annotations

from redaction import _nlp_stack  # noqa: F401  (first: see its docstring)

# isort: split

import re
from functools import lru_cache

import phonenumbers
import regex
from phonenumbers.phonenumberutil import _PLUS_CHARS, _VALID_PUNCTUATION
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from redaction.entities import PHONE_NUMBER
from redaction.recognizers.names import view_of

MIN_DIGITS_AFTER_CUE = 5  # fewest digits of a phone number (after a cue word)
_CANDIDATE = regex.compile(
    r"(?<![\w.+/\-:])(?:\+[ \t]?)?(?:\(?\d{1,5}\)?[ .\-\t]?){1,6}\d{2,}"
    r"(?:[ \t]*(?:ext\.?|x|#|extension)[ \t]*\d{1,6})?(?![\w/]|-\d|\.\d|:\d)"
)
_CUE_BEFORE = regex.compile(
    r"(?i:\b(?:call|calls|called|calling|phone|phoned|tel|telephone|mobile|mob|cell|"
    r"cellphone|whatsapp|signal|telegram|viber|sms|text\s+me|reach\s+me|reach\s+us|fax|"
    r"contact|office|desk|landline|ring|dial|hotline|helpline|"
    r"telefon|téléphone|telefone|teléfono|telefono|handy|móvil|movil|portable|cellulare|"
    r"número|numero|nummer|numéro|rückruf|anruf|anrufen|erreichbar|appel|appelez|appelle|"
    r"llamar|llámame|llamame|chiamami|chiamare|ligue|ligar|bellen|tlf|puhelin)\b)"
    r"[^\n\d]{0,20}$"
)
_CUE_AFTER = regex.compile(
    r"^[ \t\-–—(]*(?i:office|mobile|cell|fax|home|work|desk|tel|phone|whatsapp)\b"
)
_EXTENSION = regex.compile(r"(?i)[ \t]*(?:ext\.?|x|#|extension)[ \t]*\d{1,6}$")
_DATE_LIKE = regex.compile(
    r"^(?:\d{4}[\-./]\d{1,2}[\-./]\d{1,2}|\d{1,2}[\-./]\d{1,2}[\-./]\d{2,4})$"
)

# Grouped as a phone number: two to five groups of digits, single spaces or dashes between.
_GROUPED = regex.compile(r"^\d{2,8}(?:[ \-]\d{2,8}){1,4}$")
# A count written with thousands separators: "1 234 567", "12 345 678".
_THOUSANDS = regex.compile(r"^\d{1,3}(?: \d{3})+$")
_WORD_NEXT = regex.compile(r"^[ \t]*[^\W\d_]")
MIN_GROUPED_DIGITS = 7
MAX_GROUPED_DIGITS = 12


def is_grouped_phone(value: str, after: str = "") -> bool:
    """True if ``value`` is written as a phone number is and is a valid number of some
    region, with no cue word needed ("642 553 625", "52-40-07-16"); ``after``: the text
    right after it (a word after a thousands-grouped count makes it a count)."""
    if _GROUPED.match(value) is None:
        return False
    groups = regex.split(r"[ \-]", value)
    digits = sum(len(g) for g in groups)
    if not MIN_GROUPED_DIGITS <= digits <= MAX_GROUPED_DIGITS:
        return False
    if _THOUSANDS.match(value) and _WORD_NEXT.match(after):
        return False  # "1 234 567 rows"
    if [len(g) for g in groups] == [3, 2, 4]:
        return False  # an SSN's shape ("123-45-6789"): the SSN recognizer decides
    if len(groups) == 2 and len(groups[1]) == 3:
        return False  # a postcode: "72856-575", "4495-545"
    if len(groups) == 2 and "-" in value and int(groups[0]) < int(groups[1]):
        if groups[0].endswith("0") and groups[1].endswith("0"):
            return False  # a range: "1200-1350", "8000-9000"
    if len(groups) == 3 and len(groups[0]) == 4 and groups[0][:2] in ("19", "20"):
        if len(groups[1]) == 2 and len(groups[2]) == 2:
            return False  # a date written with spaces: "2025 08 25"
    return _valid_somewhere(value, possible_only=False)


# Digits that go on into a street's name are a house number, not the end of a phone number.
_STREET_NEXT = regex.compile(
    r"[ \t]*(?:\\n|\n)?[ \t]*(?:"
    r"(?i:rue|rua|r\.|calle|c/|avenida|av\.|avenue|via|viale|piazza|corso|praça|praca|praceta|"
    r"travessa|place|cours|boulevard|bd|chemin|quai|allée|impasse|ul\.|ulica|quadra|paseo|"
    r"plaza|largo|estrada|strada|faubourg|alameda|rambla)\b"
    r"|(?:\p{Lu}[\p{L}\p{M}'\-]*\.?[ \t]+){1,3}(?i:street|st|road|rd|avenue|ave|lane|ln|drive|"
    r"dr|boulevard|blvd|way|court|ct|place|pl|close|terrace|plaza|square|highway|hwy|parkway|"
    r"pkwy|circle|cir|trail|crescent|hills?|park|row|walk|alley|loop|pike|run|path|mall|"
    r"port|canyon|village|gardens?|grove)\b"
    r"|\p{Lu}[\p{Ll}\p{M}]*(?:strasse|straße|str\.|weg|gasse|platz|allee|laan|straat|katu|tie|"
    r"vej|gade|gatan|vägen|veien)\b)"
)
# A time's or a decimal's fraction ("09:31:04.912082", "50.383526"), or a flat's or a
# suite's number before a house number ("Apt. 260 8843 Quadra ...").
_BEFORE_NOT_PHONE = regex.compile(
    r"(?:\d[:.]|:|(?i:\b(?:apt|apartment|suite|ste|unit|flat|room|box|no|nr)\b\.?[ \t]*))$"
)


def rejected_by_context(text: str, start: int, end: int) -> bool:
    """The validation hook every phone recognizer shares: True if ``text[start:end]``, a
    phone-shaped match, is something else by what stands around it - a house number before
    a street name, the fraction of a time or a decimal."""
    if _BEFORE_NOT_PHONE.search(text, max(0, start - 12), start) is not None:
        return True
    return _STREET_NEXT.match(text, end, min(len(text), end + 64)) is not None


# What may stand between two digits of one phone number: libphonenumber's matcher allows up to
# four of its punctuation characters (``_VALID_PUNCTUATION``, used inside [] there too); plus
# signs, an upper-case X and every whitespace are added, so this is a superset for the
# matcher and for every phone pattern here (``_CANDIDATE``, PhoneFormatRecognizer).
_RUN_GAP = "[" + _VALID_PUNCTUATION + _PLUS_CHARS + r"X\s" + "]"
_DIGIT_RUN = re.compile(rf"\d(?:{_RUN_GAP}{{0,4}}\d)*")


@lru_cache(maxsize=8)
def digit_runs(text: str) -> tuple[tuple[int, int, int], ...]:
    """(start, end, digits) of each *digit run* of ``text``: digits joined by at most four
    phone punctuation characters or spaces ("+44 (0)20 7946-0958" is one run of 14 digits,
    "2025-08-25 14" one of 10). Every phone number's digits lie in one run, so a text whose
    runs are all short holds no phone number of more digits than that; the phone
    recognizers and the redactor's pre-filter ask this (cached: the same text is asked
    several times in a row)."""
    return tuple(
        (m.start(), m.end(), sum(map(str.isdigit, m.group()))) for m in _DIGIT_RUN.finditer(text)
    )


def longest_digit_run(text: str) -> int:
    """Digits in the longest digit run of ``text`` (:func:`digit_runs`); 0 without digits."""
    return max((n for _, _, n in digit_runs(text)), default=0)


# Regions tried first: the most populous ones that dial a trunk 0 (a national number without a
# cue needs one), then the rest. The order only decides how soon a valid number stops the
# loop; which numbers are valid somewhere does not depend on it.
_FIRST_REGIONS = (
    "GB", "DE", "FR", "IT", "ES", "NL", "JP", "CN", "IN", "BR", "TR", "RU", "AU", "PL", "KR",
    "ZA", "NG", "EG", "PH", "TH", "ID", "PK", "BD", "VN", "MX", "US",
)  # fmt: skip


@lru_cache(maxsize=1)
def _regions() -> tuple[str, ...]:
    rest = sorted(phonenumbers.SUPPORTED_REGIONS - set(_FIRST_REGIONS))
    return tuple(r for r in _FIRST_REGIONS if r in phonenumbers.SUPPORTED_REGIONS) + tuple(rest)


@lru_cache(maxsize=4096)
def _valid_somewhere(number: str, possible_only: bool) -> bool:
    """True if ``number`` (national digits, maybe with a trunk prefix) is a valid (or, with
    ``possible_only``, a possible) number of at least one region. Cached by the exact string:
    parsing it in 245 regions takes about a millisecond."""
    for region in _regions():
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return True
        if possible_only and phonenumbers.is_possible_number(parsed):
            return True
    return False


def is_phone(value: str, cue: bool, after: str = "") -> bool:
    """True if ``value`` (a candidate digit run) is a phone number; ``cue``: a phone cue is
    next to it, which relaxes the format check; ``after``: the text right after it."""
    body = _EXTENSION.sub("", value).strip()
    digits = sum(c.isdigit() for c in body)
    # Some small regions dial 5- or 6-digit national numbers; those need a cue.
    if not (MIN_DIGITS_AFTER_CUE if cue else 7) <= digits <= 15 or _DATE_LIKE.match(body):
        return False
    if body.startswith("+"):
        try:
            parsed = phonenumbers.parse(body, None)
        except phonenumbers.NumberParseException:
            return False
        if cue:
            return phonenumbers.is_possible_number(parsed)
        return phonenumbers.is_valid_number(parsed)
    groups = regex.split(r"[ .\-\t()]+", body.strip("()"))
    groups = [g for g in groups if g]
    if cue:
        return _valid_somewhere(body, possible_only=True)
    if is_grouped_phone(body, after):
        return True
    formatted = body.startswith(("0", "(")) and len(groups) >= 2
    if not formatted or "." in body and len(groups) == 4 and all(len(g) <= 3 for g in groups):
        return False  # an IPv4-like dotted quad
    return _valid_somewhere(body, possible_only=False)


class AnyRegionPhoneRecognizer(EntityRecognizer):
    """National and international phone numbers of every region (see the module doc)."""

    def __init__(self, supported_language: str = "en", score: float = 0.7) -> None:
        super().__init__(
            supported_entities=[PHONE_NUMBER],
            supported_language=supported_language,
            name="AnyRegionPhoneRecognizer",
        )
        self.score = score

    def load(self) -> None:  # noqa: D102
        pass

    def analyze(  # noqa: D102
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if PHONE_NUMBER not in entities:
            return []
        text = view_of(text)
        if longest_digit_run(text) < MIN_DIGITS_AFTER_CUE:
            return []  # no candidate can hold enough digits
        return [
            RecognizerResult(
                entity_type=PHONE_NUMBER,
                start=s,
                end=e,
                score=self.score,
                analysis_explanation=AnalysisExplanation(
                    recognizer=self.name, original_score=self.score
                ),
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                },
            )
            for s, e in self.find_spans(text)
        ]

    @staticmethod
    def find_spans(text: str) -> list[tuple[int, int]]:
        """(start, end) of every phone number in ``text``."""
        out = []
        for m in _CANDIDATE.finditer(text, concurrent=False):
            start, end = m.span()
            value = text[start:end].rstrip(" .-\t")
            end = start + len(value)
            cue = (
                _CUE_BEFORE.search(text[max(0, start - 40) : start]) is not None
                or _CUE_AFTER.search(text[end : end + 16]) is not None
            )
            if is_phone(value, cue, text[end : end + 16]) and not rejected_by_context(
                text, start, end
            ):
                out.append((start, end))
        return out
