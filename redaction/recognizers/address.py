"""US-style street addresses: number, capitalised street name, USPS suffix, optional unit,
optional ``City, ST 12345`` tail. No library covers this offline; Presidio has no street
address recognizer and spaCy's small model tags only fragments (GPE/FAC)."""

from __future__ import annotations

import re
from typing import ClassVar

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


class StreetAddressRecognizer(RegexSpanRecognizer):
    """A street address; digits are required, so texts without them are skipped."""

    ENTITY = STREET_ADDRESS
    CONTEXT = ("address", "live", "lives", "ship", "street", "mail")
    PATTERNS: ClassVar[tuple[SpanPattern, ...]] = (
        SpanPattern("street", _ADDRESS, 0.6),
        SpanPattern("street with city, state, zip", _ADDRESS_WITH_TAIL, 0.7),
    )

    def may_match(self, text: str) -> bool:  # noqa: D102
        return any(c.isdigit() for c in text)

    def adjust(self, text: str, start: int, end: int) -> tuple[int, int]:  # noqa: D102
        while end > start and text[end - 1] in ",; \n":
            end -= 1
        return start, end
