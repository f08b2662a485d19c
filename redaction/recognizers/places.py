"""Where a capitalised run is a place, not a person (issue 18).

A town written after the words people put before places ("lives in X", "moved here from X",
"returned to X", "originally from X", "the University of X", "home city X") is a place;
so is a demonym ("Greenlander", "Icelanders": a country or region of the lexicon plus -er,
-ers, -ian, -ese, -ish). The name recognizers drop such a run unless a strong name cue says
otherwise (:func:`redaction.recognizers.names.in_address` asks :func:`in_place_context`).
A bare "from X" or "to X" is not enough: "sent from Ana", "talk to Ana" are names.
"""

from __future__ import annotations

import regex

from redaction import names as N

_PLACE_BEFORE = regex.compile(
    r"(?:(?<![\p{L}\p{M}'’])(?:in|near|outside|around|across)"
    r"|(?i:moved|moving|move|came|comes|come|originally|travell?ed|travell?ing|flew|fly|flying|"
    r"drove|driving|returned|returning|relocated|relocating|went|headed|trip|back|here|there|"
    r"commute[sd]?|emigrated|immigrated)[ \t]+(?:(?:here|there|back|over|all\s+the\s+way)[ \t]+)?"
    r"(?:from|to)"
    r"|(?i:university|city|town|village|municipality|province|region|county|state|capital|"
    r"outskirts|suburbs?|centre|center)[ \t]+of"
    r"|(?i:home[ \t]+(?:city|town|village|country)|(?:based|located|born|raised|living|lives|"
    r"live|lived|grew[ \t]+up|stationed|stuck|staying|stay|stays|stayed|arrived|arrive|"
    r"arrives|landed|I'm|I[ \t]+am|we're|we[ \t]+are)[ \t]+(?:in|at)))[ \t]+$"
)
_POSSESSIVE_NEXT = regex.compile(r"^(?:'s|’s)\b")
_DEMONYM_SUFFIXES = ("ers", "er", "ians", "ian", "ese", "ish", "ans", "an")


def in_place_context(text: str, start: int, end: int) -> bool:
    """True if ``text[start:end]`` follows words that put a place there ("lives in",
    "moved here from", "returned to", "University of"), and is not a possessive
    ("in Ana's team" is a person)."""
    if _POSSESSIVE_NEXT.match(text[end : end + 3]):
        return False
    return _PLACE_BEFORE.search(text, max(0, start - 40), start) is not None


def is_demonym(word: str) -> bool:
    """True if ``word`` is a place of the lexicon with a demonym's ending ("Greenlander",
    "Icelanders", "Tasmanian") and no person's name itself."""
    flags = N.lexicon().flags(word)
    if flags & N.FIRST:
        return False
    lowered = word.lower()
    for suffix in _DEMONYM_SUFFIXES:
        if lowered.endswith(suffix) and len(lowered) > len(suffix) + 3:
            stem = word[: -len(suffix)]
            for candidate in (stem, stem + "a", stem + "ia", stem + "e"):
                if N.lexicon().flags(candidate) & N.PLACE:
                    return True
    return False
