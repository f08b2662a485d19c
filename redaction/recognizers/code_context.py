"""Is a span code or a foreign-script run? Then it is not a person's name.

``class Jordan``, ``def parse_smith()``, ``self.Morgan`` and ``Jordan.parse()`` are
identifiers, and a Thai or Chinese run is a symptom: none of them may become <PERSON>.
Shared by the NER recognizer (:mod:`redaction.recognizers.person`) and the lexicon one
(:mod:`redaction.recognizers.names`), so neither imports the other for it.
"""

from __future__ import annotations

import re

# A name right after one of these words is a declaration, not a person.
CODE_KEYWORDS = frozenset(
    {
        "class", "def", "function", "func", "fn", "struct", "interface", "enum", "new",
        "extends", "implements", "trait", "impl", "module", "namespace", "typedef", "let",
        "const", "var", "val", "type", "import", "package", "instanceof", "typeof",
    }
)  # fmt: skip
_PREV_WORD = re.compile(r"([A-Za-z_]+)\s*$")
# snake_case, digits or path/attribute punctuation inside the span.
_IDENTIFIER_SHAPE = re.compile(r"[_0-9/\\]|::")
_CAMEL = re.compile(r"[a-z][A-Z]")
# Surnames with an inner capital are names, not camelCase: McDonald, MacLeod, DeLuca.
_NAME_PREFIX = re.compile(r"^(?:Mc|Mac|Fitz|De|Di|Da|Du|La|Le|Van|Von|O')[A-Z][a-z]+$")
_CODE_BEFORE = frozenset("_.$@#/\\`:<")
_CODE_AFTER = frozenset("_(`<[={")


def _is_latin_letter(ch: str) -> bool:
    # Basic Latin through Latin Extended-B; anything beyond (Thai, CJK, ...) is foreign here.
    return not ch.isalpha() or ord(ch) <= 0x024F


_ERROR_WORDS = re.compile(r"Error|Exception|Traceback|\bobject\b|\battribute\b|\bmodule\b")


def _is_error_line(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    return _ERROR_WORDS.search(line) is not None


_ACRONYM = re.compile(r"^[A-Z0-9]{2,6}s?$")
_LINE_START = re.compile(r"[^\n]*$")
_OPEN_PARAMS = re.compile(r"[\w$>]\([^()]*$")


def looks_like_code_or_foreign(text: str, start: int, end: int) -> bool:
    """True if ``text[start:end]`` is not a plausible person name in prose: a code
    identifier, a non-Latin run, an all-lowercase phrase (the small English model tags
    Spanish/Portuguese phrases) or an acronym such as JSON."""
    span = text[start:end]
    if not span or not span[0].isalpha():
        return True
    if not any(c.isupper() for c in span) or _ACRONYM.match(span):
        return True
    if not all(_is_latin_letter(c) for c in span):
        return True
    if _IDENTIFIER_SHAPE.search(span):
        return True
    if any(_CAMEL.search(w) and not _NAME_PREFIX.match(w) for w in span.split()):
        return True
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if before.isalnum() or before in _CODE_BEFORE:
        return True
    if after.isalnum() or after in _CODE_AFTER:
        return True
    if after == "." and end + 1 < len(text) and (text[end + 1].isalpha() or text[end + 1] == "_"):
        return True  # attribute access: Jordan.parse()
    prev = _PREV_WORD.search(text, max(0, start - 40), start)
    if prev and prev.group(1) in CODE_KEYWORDS:
        return True
    if before in "'\"" and after == before and _is_error_line(text, start):
        return True  # AttributeError: 'Jordan' object has no attribute ...
    # A type annotation: "(xs: Jordan[], id: number): Jordan | undefined".
    line = _LINE_START.search(text, max(0, start - 200), start)
    before_text = line.group(0).rstrip() if line else ""
    if not before_text.endswith((":", "|", "<", ",")):
        return False
    # An unclosed "(" right after an identifier is a parameter list; a smiley ":(" is not.
    unclosed = _OPEN_PARAMS.search(before_text) is not None
    return unclosed or before_text[:-1].rstrip().endswith((")", ">", "]"))
