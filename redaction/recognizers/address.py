"""Street addresses. :class:`StreetAddressRecognizer`: US-style (number, capitalised street
name, USPS suffix, optional unit, optional ``City, ST 12345`` tail).
:class:`InternationalAddressRecognizer`: the shapes of other countries (a street word
first: "Rua Cinco de Julho 912", "53 place Stanislas", "ul. Podleśna 17"; a street word or
suffix before the number: "Plattenstrasse 33", "Hugo de Grootlaan 177", "Király u. 15.";
"the corner of X and Y"; US military APO/FPO/DPO lines), each extended over the unit, city,
region, postcode and country lines that follow it. No library covers this offline; Presidio
has no street address recognizer and spaCy's small model tags only fragments (GPE/FAC).
A street or town inside an address is then one address, not a person's name."""

from __future__ import annotations

import re
from typing import ClassVar

import regex

from redaction.entities import STREET_ADDRESS
from redaction.recognizers.base import RegexSpanRecognizer, SpanPattern

# Common USPS street suffixes (Publication 28, appendix C1), full and abbreviated.
_SUFFIXES = (
    "Alley|Aly|Avenue|Ave|Boulevard|Blvd|Bypass|Byp|Causeway|Cswy|Center|Ctr|Circle|Cir|"
    "Circles|Club|Common|Commons|Corner|Corners|Course|Court|Ct|Courts|Cove|Coves|Creek|"
    "Crescent|Cres|Crest|Crossing|Xing|Crossroad|Curve|Dale|Dam|Divide|Drive|Dr|Drives|"
    "Estate|Estates|Expressway|Expy|Extension|Ext|Fall|Falls|Ferry|Field|Fields|Flat|Flats|"
    "Ford|Fords|Forest|Forge|Forges|Fork|Forks|Fort|Freeway|Fwy|Garden|Gardens|Gateway|Glen|"
    "Glens|Green|Greens|Grove|Groves|Harbor|Harbors|Haven|Heights|Hts|Highway|Hwy|Hill|Hills|"
    "Hollow|Inlet|Island|Islands|Isle|Junction|Junctions|Key|Keys|Knoll|Knolls|Lake|Lakes|"
    "Land|Landing|Lane|Ln|Light|Lights|Loaf|Lock|Locks|Lodge|Loop|Mall|Manor|Manors|Meadow|"
    "Meadows|Mews|Mill|Mills|Mission|Motorway|Mount|Mountain|Mountains|Neck|Orchard|Oval|"
    "Overpass|Park|Parks|Parkway|Pkwy|Parkways|Pass|Passage|Path|Pike|Pine|Pines|Place|Pl|"
    "Plain|Plains|Plaza|Plz|Point|Points|Port|Ports|Prairie|Radial|Ramp|Ranch|Rapid|Rapids|"
    "Rest|Ridge|Ridges|River|Road|Rd|Roads|Route|Rte|Row|Rue|Run|Shoal|Shoals|Shore|Shores|"
    "Skyway|Spring|Springs|Spur|Spurs|Square|Sq|Squares|Station|Sta|Stravenue|Stream|Street|"
    "St|Streets|Summit|Terrace|Ter|Throughway|Trace|Track|Trafficway|Trail|Trl|Trailer|Tunnel|"
    "Turnpike|Tpke|Underpass|Union|Unions|Valley|Valleys|Via|Viaduct|View|Views|Village|"
    "Villages|Ville|Vista|Walk|Walks|Wall|Way|Ways|Well|Wells"
)

_UNIT = r"(?:,?\s+(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|#)\s*[A-Za-z0-9\-]+)?"
_CITY_STATE_ZIP = (
    r"(?:,?\s+(?:[A-Z][A-Za-z'\-]+\s+){0,3}[A-Z][A-Za-z'\-]+,\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?)?"
)
_STREETS = (
    # 1234 Elm Street / 12 N. Oak Ave
    r"(?:[NSEW]\.?\s+)?(?:[A-Z][A-Za-z'\-]*\.?\s+){1,4}(?:" + _SUFFIXES + r")\b\.?",
    # 660 Hauptstraße / 12 Lindenweg (German compounds)
    r"[A-ZÄÖÜ][a-zäöüß]*(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm)\b\.?",
    # 2341 Rue de Rivoli / 12 Calle Mayor / 5 Via Roma (street word first)
    r"(?:Rue|Avenue|Boulevard|Bd|Place|Chemin|Quai|Impasse|All[ée]e|Calle|Avenida|Av\.|Rua|"
    r"Travessa|Paseo|Plaza|Carrera|Via|Viale|Piazza|Corso)\s+"
    r"(?:(?:de|del|da|do|dos|das|di|du|des|la|le|l')\s*){0,2}[A-ZÀ-Ý][\w'\-]*(?:\s+[A-ZÀ-Ý][\w'\-]*){0,3}",
)
_ADDRESS = re.compile(r"\b\d{1,6}\s+(?:" + "|".join(_STREETS) + r")" + _UNIT + _CITY_STATE_ZIP)
# Any capitalised street name is an address when a "City, ST 12345" tail follows it.
_ADDRESS_WITH_TAIL = re.compile(
    r"\b\d{1,6}\s+(?:[A-ZÀ-Ý][\w'.\-]*\s+){0,3}[A-ZÀ-Ý][\w'.\-]*"
    + _UNIT
    + r",?\s+(?:[A-Z][A-Za-z'\-]+\s+){0,3}[A-Z][A-Za-z'\-]+,\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?"
)


_ASCII_DIGIT = re.compile(r"[0-9]")


def has_digit(text: str) -> bool:
    """``any(c.isdigit() for c in text)`` without a Python step per character: in ASCII
    text only 0-9 are digits."""
    if text.isascii():
        return _ASCII_DIGIT.search(text) is not None
    return any(c.isdigit() for c in text)


class StreetAddressRecognizer(RegexSpanRecognizer):
    """A street address; digits are required, so texts without them are skipped."""

    ENTITY = STREET_ADDRESS
    CONTEXT = ("address", "live", "lives", "ship", "street", "mail")
    PATTERNS: ClassVar[tuple[SpanPattern, ...]] = (
        SpanPattern("street", _ADDRESS, 0.6),
        SpanPattern("street with city, state, zip", _ADDRESS_WITH_TAIL, 0.7),
    )

    def may_match(self, text: str) -> bool:  # noqa: D102
        return has_digit(text)

    def adjust(self, text: str, start: int, end: int) -> tuple[int, int]:  # noqa: D102
        while end > start and text[end - 1] in ",; \n":
            end -= 1
        end = extend_address(text, end)
        while end > start and text[end - 1] in ",; \n":
            end -= 1
        return start, end


# A capitalised word (any script's capitals; all-caps town names too) and the small words
# inside street and town names.
_CAP = r"\p{Lu}[\p{L}\p{M}'’\-]*\.?"
_PART = (
    r"(?:de|del|della|da|do|dos|das|di|du|des|la|le|les|l'|van|von|der|den|het|pri|nad|pod|"
    r"na|y|e|el|al|am|an|im|ter|ten|sur|sous|lès)"
)
_NAME = rf"{_CAP}(?:[ \t]+(?:{_PART}[ \t]+){{0,2}}{_CAP}){{0,4}}"
_HOUSE = r"\d{1,5}[A-Za-z]?\b\.?"
# Street words written before the name, in several languages.
_STREET_FIRST_WORDS = (
    "rue", "rua", "r.", "calle", "c/", "avenida", "av.", "avenue", "via", "viale", "piazza",
    "corso", "praça", "praca", "praceta", "travessa", "largo", "estrada", "strada", "paseo",
    "plaza", "carrera", "chemin", "quai", "impasse", "allée", "place", "cours", "boulevard",
    "bd", "faubourg", "ul.", "ulica", "aleja", "al.", "quadra", "rambla", "ronda", "camino",
    "carretera", "calçada", "alameda", "rodovia", "beco", "cesta", "trg", "odos", "leoforos",
    "sokak", "avinguda", "carrer", "passeig",
)  # fmt: skip
_STREET_FIRST = "|".join(regex.escape(w) for w in _STREET_FIRST_WORDS)
# Capitalised, as the first word of a name (no one-letter abbreviation: "R. Silva" is a name).
_STREET_FIRST_CAP = "|".join(
    regex.escape(w[0].upper() + w[1:]) for w in _STREET_FIRST_WORDS if len(w.rstrip(".")) > 1
)
# Street words or suffixes written after the name, before the number.
_STREET_SUFFIX = (
    r"\p{Lu}[\p{Ll}\p{M}]*(?:strasse|straße|str\.|weg|gasse|platz|allee|damm|laan|straat|"
    r"gracht|plein|kade|katu|tie|kuja|polku|gatan|vägen|gata|veien|vegen|vegur|gade|vej|utca|"
    r"ulice|iela|gatvė|tänav)"
    r"|(?i:strasse|straße|str\.|gürtel|weg|gasse|platz|allee|allé|utca|u\.|út|körút|krt\.|"
    r"rkp\.|tér|fasor|"
    r"sokak|sokağı|caddesi|cad\.|aqq\.|vej|gade|gata|gatan|laan|straat|ulice|iela)"
)
_STREET_WORD_FIRST = regex.compile(
    # a number, then the street word (any case): "53 place Stanislas", "59982 48 rue Petite"
    rf"\b\d{{1,5}}[A-Za-z]?,?[ \t]+(?i:{_STREET_FIRST})[ \t]+(?:{_PART}[ \t]+){{0,2}}{_NAME}"
    rf"(?:[ \t]*,?[ \t]*{_HOUSE})?"
    # a capitalised street word, the name, then the number: "Rua Cinco de Julho 912"
    # Polish and Spanish abbreviations, lower case: "ul. Podleśna 17", "c/ Eras 47"
    rf"|(?<![\p{{L}}\p{{M}}])(?:ul\.|al\.|c/)[ \t]*{_NAME}[ \t]*,?[ \t]*{_HOUSE}"
    # Portuguese "R" (rua) without its dot: "R José Malhoa 51"
    rf"|(?<![\p{{L}}\p{{M}}.])R[ \t]+{_NAME}[ \t]*,?[ \t]*{_HOUSE}"
    rf"|(?<![\p{{L}}\p{{M}}])(?:{_STREET_FIRST_CAP})"
    rf"[ \t]+(?:{_PART}[ \t]+){{0,2}}{_NAME}[ \t]*,?[ \t]*{_HOUSE}"
)
_STREET_SUFFIX_FIRST = regex.compile(
    rf"(?<![\p{{L}}\p{{M}}])(?:{_CAP}[ \t]+(?:{_PART}[ \t]+){{0,2}}){{0,3}}(?:{_STREET_SUFFIX})"
    rf"[ \t]+{_HOUSE}"
)
# After words that put an address there, a name and a house number: "lives on Joaquin Suarez
# 2906", "the north side of Slude Strand 83", "address: Costanera 9293, Athol".
_ADDRESS_CUE = regex.compile(
    r"(?i:\b(?:lives?|lived|living|located|situated|moved)[ \t]+(?:on|at|to)|side[ \t]+of|"
    r"address(?:[ \t]+is)?[ \t]*:?|ship(?:ped)?[ \t]+to|sent[ \t]+to|deliver(?:ed)?[ \t]+to)"
    rf"[ \t]+(?:the[ \t]+)?(?P<addr>(?:\d{{1,5}}[ \t]+)?{_NAME}[ \t]+\d{{1,5}}[A-Za-z]?\b)"
)
# "Elliot and Dalmatinova 108": a street's name and another street, an intersection.
_INTERSECTION_BEFORE = regex.compile(rf"(?<![\p{{L}}\p{{M}}]){_NAME}[ \t]+(?:and|&)[ \t]+$")
# "the corner of 94 Watson Street and Tekla Village", "... of Agip u. 91. St. and Lara Dam"
_SIDE = rf"(?:\d{{1,5}}[ \t]+)?{_NAME}(?:[ \t]+{_HOUSE})?(?:[ \t]+(?:St|Ave|Rd)\.?)?"
_CORNER = regex.compile(
    rf"(?i:\b(?:the\s+)?(?:corner|intersection|junction)\s+of)[ \t]+(?P<addr>{_SIDE}[ \t]+"
    rf"(?:and|&)[ \t]+{_SIDE})"
)
# US military mail: "USNS Miller\nFPO AA 15725", "PSC 7904, Box 8757\nAPO AE 59072".
_MILITARY = regex.compile(
    r"\b(?:(?:USNS|USNV|USS|USCGC)[ \t]+\p{Lu}[\p{L}\p{M}'\-]*|PSC[ \t]+\d{4},[ \t]*Box[ \t]+\d{4}|"
    r"Unit[ \t]+\d{4}[ \t]+Box[ \t]+\d{4})\s*(?:\\n)?\s*"
    r"(?:FPO|APO|DPO)[ \t]+(?:AA|AE|AP)[ \t]+\d{5}\b"
)
# What may follow an address on its line or the next ones: a unit, a town, a region code, a
# postcode, a country ("\n Apt. 566\n Bobadela\n Portugal 37404", ", Maniitsoq, Greenland").
_BREAK = r"(?:[ \t]*(?:(?:\\n|\n)[ \t]*,?|,)[ \t]*(?:(?:\\n|\n)[ \t]*)?)"
_CONTINUATION = regex.compile(
    rf"(?:[ \t]+|{_BREAK})(?:(?i:apt|apartment|suite|ste|unit)\b\.?[ \t]*#?[\w\-]*\d[\w\-]*|"
    rf"\d{{4,6}}(?:-\d{{3,4}})?\b)"
    rf"|{_BREAK}(?:nan|\p{{Lu}}{{2,3}}(?=[ \t]*(?:\\n|\n|,|\d|$))|\d{{4,6}}(?:-\d{{3,4}})?"
    rf"|{_NAME}(?:[ \t]+\(\p{{Lu}}[\p{{L}}]*\))?(?:[ \t]+\d{{4,6}}(?:-\d{{3,4}})?)?"
    rf"(?=[ \t]*(?:\\n|\n|,|\.[ \t\n]|\.?$|\?|\d)))"
)
_MAX_CONTINUATIONS = 5

# Cheap necessary conditions of the two costliest patterns (``SpanPattern.needs``); each
# finds a part that every match of its pattern contains, so a text without it skips the
# pattern with the same result.
# "street word first": its four alternatives contain a number then a street word (any
# case), "ul."/"al."/"c/" or "R" then a blank after no ASCII letter (the pattern's
# look-behind refuses every letter), or a capitalised street word then a blank. The
# literal alternatives go through ``re`` (case-sensitive code points: the same in both
# engines).
_NUMBER_THEN_STREET_WORD = regex.compile(rf"\d[A-Za-z]?,?[ \t]+(?i:{_STREET_FIRST})[ \t]")
_SHORT_STREET_WORD = re.compile(r"(?<![A-Za-z])(?:ul\.|al\.|c/|R[ \t])")
_SHORT_STREET_LITERALS = ("ul.", "al.", "c/", "R ", "R\t")
_CAP_STREET_WORD = re.compile(rf"(?:{_STREET_FIRST_CAP})[ \t]")
# "street suffix then number": a suffix, blanks, a digit. Searched backwards (``(?r)``):
# the engine then tests the digit first at each position, ~15x cheaper than forwards.
_SUFFIX_THEN_DIGIT = regex.compile(rf"(?r)(?:{_STREET_SUFFIX})[ \t]+\d")


def _may_be_street_word_first(text: str) -> bool:
    # Substring tests first: a look-behind in front of the alternatives makes ``re`` try
    # them at every position, where a bare literal alternation skips ahead.
    if (
        any(w in text for w in _SHORT_STREET_LITERALS)
        and _SHORT_STREET_WORD.search(text) is not None
    ):
        return True
    return (
        _CAP_STREET_WORD.search(text) is not None
        or _NUMBER_THEN_STREET_WORD.search(text) is not None
    )


def _may_be_suffix_first(text: str) -> bool:
    return _SUFFIX_THEN_DIGIT.search(text, concurrent=False) is not None


def extend_address(text: str, end: int) -> int:
    """``end`` moved over the unit, town, region, postcode and country parts that follow an
    address (at most five, each on its own line or after a comma)."""
    for _ in range(_MAX_CONTINUATIONS):
        m = _CONTINUATION.match(text, end, min(len(text), end + 80))
        if m is None:
            break
        end = m.end()
    return end


class InternationalAddressRecognizer(RegexSpanRecognizer):
    """Street addresses of other countries (see the module doc); digits are required."""

    ENTITY = STREET_ADDRESS
    CONTEXT = ("address", "live", "lives", "ship", "street", "mail")
    PATTERNS: ClassVar[tuple[SpanPattern, ...]] = (
        SpanPattern("street word first", _STREET_WORD_FIRST, 0.6, needs=_may_be_street_word_first),
        SpanPattern(
            "street suffix then number", _STREET_SUFFIX_FIRST, 0.6, needs=_may_be_suffix_first
        ),
        SpanPattern("corner of two streets", _CORNER, 0.6, "addr"),
        SpanPattern("military mail", _MILITARY, 0.7),
        SpanPattern("name and number after an address cue", _ADDRESS_CUE, 0.6, "addr"),
    )

    def may_match(self, text: str) -> bool:  # noqa: D102
        return has_digit(text)

    def validate(self, value: str) -> bool:
        """A house number, postcode or box number somewhere in it."""
        return any(c.isdigit() for c in value)

    def adjust(self, text: str, start: int, end: int) -> tuple[int, int]:
        """Trailing punctuation off; the start moved back over a street named before "and"
        ("Elliot and Dalmatinova 108"); the end over the lines that follow
        (:func:`extend_address`)."""
        before = _INTERSECTION_BEFORE.search(text, max(0, start - 60), start)
        if before is not None:
            start = before.start()
        while end > start and text[end - 1] in ".,;: \n":
            end -= 1
        end = extend_address(text, end)
        while end > start and text[end - 1] in ".,;: \n":
            end -= 1
        return start, end
