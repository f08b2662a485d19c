"""Person names of any origin: capitalised runs and NER spans of any label, scored by a
name lexicon, and names in the places people write them (cues).

en_core_web_sm tags many names that are not Anglo-Saxon as ORG, GPE or NORP, or not at all
(issue 18). These recognizers do not depend on its label:

- :class:`LexiconNameRecognizer`: every run of capitalised words (and every NER span, any
  label) scored with :mod:`redaction.names`. A known first name beside any capitalised word
  that is not an ordinary word ("Inessa D Samoylova", "Djevad Mitnjek"), two known names,
  or one first name that is no ordinary word, place or tool ("Lucie") is a name; a surname
  alone counts when NER marked it as an entity of any kind.
- :class:`NameCueRecognizer`: a capitalised word after a cue is a name whatever the lexicon
  says (a surname alone included): greetings and sign-offs ("Thanks,\\nOkonkwo"), "sent by",
  "cc", "my manager X", titles, "X (PM)", "(X, QA lead)", "@X", e-mail display names. Weak
  cues ("from", "with", "ask", a "X:" speaker) need the lexicon to know one of the words.

Kept as they are (precision): code identifiers (:func:`looks_like_code_or_foreign`), tools
and model names ("Claude", "Python", "Kafka"), places and ordinary words, unless a strong cue
or a first name beside them says otherwise.
"""

from __future__ import annotations

from redaction import _nlp_stack  # noqa: F401  (first: see its docstring)

# isort: split

from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import regex
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from redaction import names as N
from redaction.entities import PERSON
from redaction.lexicon import load_common_non_names
from redaction.recognizers.code_context import looks_like_code_or_foreign
from redaction.recognizers.places import in_place_context, is_demonym

# "\\n" written out (JSON pasted as text, logs): the letter after it starts a new word.
_ESCAPED_BREAK = regex.compile(r"\\[nrt](?=[\p{Lu}\d+(])")
_UPPER_WORD = r"\p{Lu}(?:[\p{Ll}\p{M}]+(?:\p{Lu}[\p{Ll}\p{M}]+)?)(?:['’\-]\p{Lu}?[\p{Ll}\p{M}]+)*"
_INITIAL = r"\p{Lu}\.?"
_PARTICLE = r"(?:van|von|de|da|di|del|della|der|den|dos|das|du|la|le|bin|ibn|al|el|ter|ten|y)"
_SEP = r"[ \t]+"
# A run: a capitalised word, then up to three more (initials and particles in between).
_RUN = regex.compile(
    r"(?<![\p{L}\p{M}\p{N}_@#$/\\.\-'’])"
    rf"{_UPPER_WORD}(?:{_SEP}(?:{_PARTICLE}{_SEP}){{0,2}}(?:{_INITIAL}{_SEP})?{_UPPER_WORD}){{0,3}}"
    r"(?:'s|’s)?"
)
_UPPER = regex.compile(_UPPER_WORD)
_NAME_START = regex.compile(r"\p{Lu}[\p{Ll}\p{M}]")  # how every capitalised word starts
# "A, B and C", "A and B": single capitalised words in a list.
_LIST = regex.compile(
    rf"(?<![\p{{L}}\p{{M}}\p{{N}}_@#$/\\.\-]){_UPPER_WORD}(?:,[ \t]+{_UPPER_WORD})*,?[ \t]+"
    rf"(?:and|or|&|und|et|y|e|i|og|och|en)[ \t]+{_UPPER_WORD}(?![\p{{L}}\p{{M}}])"
)
_WORD = regex.compile(rf"{_UPPER_WORD}|{_PARTICLE}|\p{{Lu}}\.?")
_TITLES = frozenset(
    {"mr", "mrs", "ms", "mx", "dr", "prof", "sir", "madam", "herr", "frau", "mme", "mlle",
     "sr", "sra", "srta", "señor", "señora", "dott", "ing", "miss", "mister", "princess",
     "prince", "duchess", "baroness", "countess"}
)  # fmt: skip
_PARTICLES = frozenset(_PARTICLE[3:-1].split("|"))
_NEVER = N.COMMON | N.TECH
_NER_ANY = frozenset(
    {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW",
     "LANGUAGE"}
)  # fmt: skip


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str
    flags: int

    @property
    def key(self) -> str:
        return self.text.lower()


def _flags(word: str) -> int:
    if word.lower() in STOP_WORDS:
        return N.COMMON
    return N.lexicon().flags(word)


def _tokens(text: str, start: int, end: int) -> list[_Token]:
    out = []
    for m in _WORD.finditer(text, start, end):
        word = m.group(0)
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if word.lower() in _PARTICLES or len(word.rstrip(".")) == 1:
            flags = -1  # particle or initial: part of a name, never one alone
        else:
            flags = _flags(word)
        out.append(_Token(m.start(), m.start() + len(word), word, flags))
    return out


def _is_name_word(t: _Token) -> bool:
    return t.flags > 0 and bool(t.flags & N.NAME)


def _is_known_alone(t: _Token) -> bool:
    """A word that is a name on its own: known, and no ordinary word, place or tool."""
    return t.flags > 0 and bool(t.flags & N.NAME) and not t.flags & N.NOT_ALONE


def _is_first_beside_unknown(t: _Token) -> bool:
    """A first name that makes an unknown word beside it a surname: popular, and no ordinary
    word or tool (a town named like it is fine: "Lara Simonds")."""
    return (
        t.flags > 0
        and bool(t.flags & N.FIRST_TOP)
        and not t.flags & (N.AMBIGUOUS | N.TECH | N.COMMON)
    )


def _breaks(t: _Token) -> bool:
    """A word that ends a name: ordinary English, a tool, a title, a stop word."""
    return t.flags > 0 and bool(t.flags & _NEVER) or t.key.rstrip(".") in _TITLES


def _split(tokens: list[_Token]) -> list[list[_Token]]:
    """Sub-runs between breaking words; leading/trailing particles and initials dropped."""
    groups: list[list[_Token]] = [[]]
    for t in tokens:
        if _breaks(t):
            groups.append([])
        else:
            groups[-1].append(t)
    out = []
    for g in groups:
        while g and g[0].flags < 0:
            g = g[1:]
        while g and g[-1].flags < 0:
            g = g[:-1]
        if g:
            out.append(g)
    return out


def score_run(tokens: list[_Token], entity: bool = False) -> bool:
    """True if these capitalised words (no breaking word among them) are a person's name.

    :param entity: NER marked the words as an entity of some kind (any label).
    """
    words = [t for t in tokens if t.flags >= 0]
    if not words:
        return False
    if len(words) == 1:
        (t,) = words
        if _is_known_alone(t) and t.flags & N.FIRST:
            return True
        return entity and _is_known_alone(t)
    whole = " ".join(t.text for t in words)
    if N.lexicon().flags(whole) & (N.PLACE | N.TECH):
        return False  # "San Jose", "Santa Clara"
    first_ok = any(_is_name_word(t) and t.flags & N.FIRST for t in words)
    strong = [t for t in words if _is_known_alone(t)]
    known = [t for t in words if _is_name_word(t)]
    unknown = [t for t in words if t.flags == 0]
    if first_ok and (strong or len(known) == len(words)):
        return True  # "Mark Johnson", "Eva Marija", "Will Smith"
    if unknown and any(_is_first_beside_unknown(t) for t in words):
        return True  # a known first name beside an unknown word: "Djevad Mitnjek"
    return bool(strong) and bool(entity or len(strong) + len(unknown) == len(words))


def _result(recognizer: EntityRecognizer, start: int, end: int, score: float) -> RecognizerResult:
    return RecognizerResult(
        entity_type=PERSON,
        start=start,
        end=end,
        score=score,
        analysis_explanation=AnalysisExplanation(recognizer=recognizer.name, original_score=score),
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        },
    )


def view_of(text: str) -> str:
    """``text`` with a written-out line break before a capital ("\\nAna") as " \n": same
    length, and the name starts a line as it does for the reader."""
    if "\\" not in text:
        return text
    return _ESCAPED_BREAK.sub(lambda m: "  " if m.group(0) == "\\t" else " \n", text)


# A house number or a street word beside it: "Kieler Strasse 90", "2620 Mlýnská",
# "Rue Pierre De Coubertin", "Withers Close". A street named after a person is an address.
_STREET_AFTER_WORDS = (
    r"street|st|road|rd|avenue|ave|lane|ln|drive|boulevard|blvd|way|place|pl|court|ct|"
    r"close|mall|hills?|parkways?|park|dam|river|station|locks?|burg|springs?|hollow|canyon|"
    r"plaza|square|sq|terrace|crescent|gardens?|grove|row|walk|alley|circle|highway|hwy|"
    r"strasse|straße|str|allee|gasse|weg|platz|ring|damm|gürtel|utca|út|körút|tér|"
    r"tie|katu|vej|gade|gatan|vägen|veien|laan|straat|plein|kade|ulica|apt|suite|unit"
)
_STREET_BEFORE_WORDS = (
    r"rue|rua|calle|avenida|av|via|viale|piazza|corso|praça|praca|travessa|strada|paseo|"
    r"carrera|chemin|quai|impasse|estrada|largo|ul|ulica|avenue|boulevard|bd|allée|c/"
)
# A house number stands alone: not the end of an IP address, a date, a phone number or a
# card ("10.0.0.1 Ana", "4111 1111 Ana"), whose value the redactor replaces, after which the
# name would no longer follow a number (redacting the output again must change nothing).
_STREET_BEFORE = regex.compile(
    rf"(?i:\b(?:{_STREET_BEFORE_WORDS})\.?|(?<![\d.\-:/+])(?<!\d[ \t.\-]{{1,4}})\b\d{{1,6}}[a-z]?)"
    r"[ \t]+$"
)
_STREET_AFTER = regex.compile(
    rf"^[ \t]+(?:(?i:(?:{_STREET_AFTER_WORDS})\b\.?)|"
    rf"\d{{1,5}}[a-z]?(?:[ \t]*(?:,|\\n|\n|$|(?i:apt|suite|unit)\b)))"
)


# Words that end a street's name and no person's ("Gorski Hollow Street", "Linzer Strasse").
_STREET_LAST = regex.compile(
    r"(?i:[ \t](?:street|road|avenue|boulevard|strasse|straße|stravenue|parkway|highway))$"
)
# An organisation's name: capitalised words, then a legal form or a word firms end with
# ("Achari Ventures Holdings Corp.", "Rajshree Sugars & Chemicals Limited").
_ORG_AFTER = regex.compile(
    r"^(?:[ \t]+(?:&|and|\p{Lu}[\w'.\-]*)){0,3}[ \t]+(?i:inc|corp|corporation|ltd|limited|"
    r"llc|plc|gmbh|ag|s\.?a|co|company|holdings?|group|incorporated|bank|ventures|industries|"
    r"technologies|solutions|international|resources|therapeutics|foods|energy|kabushiki|"
    r"kaisha|fund|club|university|college|hospital|hotel|resort|airport|museum|stadium|"
    r"institute|foundation|partners|associates|capital|securities|insurance|financial|"
    r"airlines?|entertainment)\b"
)


def in_address(text: str, start: int, end: int) -> bool:
    """True if ``text[start:end]`` is part of a street address (a number or street word beside
    it, or a street word ending it) or of an organisation's name (a legal form or a firm's
    word after it), which a person's name is not; or a place (after "lives in", "moved here
    from", ...; a demonym such as "Greenlander": :mod:`redaction.recognizers.places`)."""
    before = text[max(0, start - 24) : start]
    after = text[end : end + 48]
    return (
        _STREET_BEFORE.search(before) is not None
        or _STREET_AFTER.search(after) is not None
        or _STREET_LAST.search(text, start, end) is not None
        or _ORG_AFTER.search(after) is not None
        or in_place_context(text, start, end)
        or (" " not in text[start:end] and is_demonym(text[start:end]))
    )


@lru_cache(maxsize=1)
def _common_words() -> tuple[frozenset[str], frozenset[str]]:
    """(common English words of 3+ letters, every one of them with one letter dropped)."""
    common = frozenset(w for w in STOP_WORDS | load_common_non_names() if len(w) >= 3)
    dropped = frozenset(w[:i] + w[i + 1 :] for w in common for i in range(len(w)))
    return common, dropped


def is_typo_of_common_word(word: str) -> bool:
    """True if ``word`` is a common English word with two neighbours swapped ("Aslo",
    "Honestyl"), or, unless it is a popular name, with one letter dropped ("Agin") or added
    ("Alsso"); words of 4+ letters."""
    w = word.lower()
    if len(w) < 4:
        return False
    common, dropped = _common_words()
    if any(w[:i] + w[i + 1] + w[i] + w[i + 2 :] in common for i in range(len(w) - 1)):
        return True
    if N.lexicon().flags(word) & (N.FIRST_TOP | N.LAST_TOP):
        return False  # "Mary" (marry), "Ryan" (ran), "Wright" (right): a popular name
    return w in dropped or any(w[:i] + w[i + 1 :] in common for i in range(len(w)))


_CODE_CHARS = frozenset("(){}[];=<>")


def in_code_line(text: str, start: int) -> bool:
    """True if the line around ``start`` reads as code: inside a ``` fence, or with two or
    more of ``(){}[];=<>`` or ending in ":" after a keyword-like start."""
    if text.count("```", 0, start) % 2 == 1:
        return True
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    return sum(c in _CODE_CHARS for c in line) >= 2


def not_a_person_alone(text: str, start: int, end: int) -> bool:
    """True for a span whose words are all titles, ordinary words or tool names ("Mr",
    "Bot", "Guilty Pleasures", "Claude"), or that sits in a street address: a statistical
    NER PERSON span of this kind is dropped."""
    tokens = _tokens(text, start, end)
    words = [t for t in tokens if t.flags >= 0]
    if words and all(
        t.key.rstrip(".") in _TITLES or (t.flags & (N.COMMON | N.TECH)) for t in words
    ):
        return True
    if len(words) == 1 and len(tokens) == 1:
        (t,) = words
        if is_typo_of_common_word(t.text):
            return True  # "Aslo", "Agin": the small model tags typos at a sentence start
        if t.flags & N.AMBIGUOUS and not t.flags & (N.FIRST_TOP | N.LAST_TOP):
            return True  # "Satz", "Binary": a word, and no popular name
    return in_address(text, start, end)


class LexiconNameRecognizer(EntityRecognizer):
    """Runs of capitalised words and NER spans of any label, scored by the name lexicon."""

    def __init__(self, supported_language: str = "en", score: float = 0.7) -> None:
        super().__init__(
            supported_entities=[PERSON],
            supported_language=supported_language,
            name="LexiconNameRecognizer",
        )
        self.score = score

    def load(self) -> None:  # noqa: D102
        N.lexicon()

    def analyze(  # noqa: D102
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if PERSON not in entities:
            return []
        view = view_of(text)
        entity_spans = []
        if nlp_artifacts is not None:
            entity_spans = [
                (e.start_char, e.end_char)
                for e in (nlp_artifacts.entities or ())
                if e.label_ in _NER_ANY
            ]
        results = []
        for start, end in self.find_spans(view, entity_spans):
            results.append(_result(self, start, end, self.score))
        return results

    def find_spans(
        self, text: str, entity_spans: list[tuple[int, int]] = ()
    ) -> list[tuple[int, int]]:
        """(start, end) of every name; the library-level core (``text`` as :func:`view_of`)."""
        out = []
        for m in _RUN.finditer(text, concurrent=False):
            for group in _split(_tokens(text, m.start(), m.end())):
                start, end = group[0].start, group[-1].end
                entity = any(s < end and start < e for s, e in entity_spans)
                if not score_run(group, entity) or not self._keep(text, start, end):
                    continue
                if len(group) == 1 and not self._single_ok(text, start, end):
                    continue
                out.append((start, end))
        out.extend(self._listed(text, out))
        return out

    @staticmethod
    def _single_ok(text: str, start: int, end: int) -> bool:
        """A lone word the lexicon knows is a name unless it is a typo of a common word
        ("Aslo", "Agin") or sits in a line of code (``def total(Maria):``)."""
        return not is_typo_of_common_word(text[start:end]) and not in_code_line(text, start)

    @staticmethod
    def _keep(text: str, start: int, end: int) -> bool:
        return not looks_like_code_or_foreign(text, start, end) and not in_address(text, start, end)

    def _listed(self, text: str, found: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Names in a list of single words where at least two are names already: "Evans and
        Martin", "Lima, Salas and Brown" (a known name that is also a word counts there)."""
        extra: list[tuple[int, int]] = []
        if not found:
            return extra  # no item can be named: every list is skipped below
        for m in _LIST.finditer(text, concurrent=False):
            items = [(i.start(), i.end()) for i in _UPPER.finditer(text, m.start(), m.end())]
            named = sum(1 for s, e in items if (s, e) in found)
            if named < 2 and not (named == 1 and len(items) == 2):
                continue
            for s, e in items:
                if (s, e) in found:
                    continue
                (t,) = _tokens(text, s, e) or [None]
                if (
                    t is not None
                    and t.flags >= 0
                    and (t.flags == 0 or t.flags & N.NAME)
                    and not t.flags & (N.COMMON | N.TECH)
                    and self._keep(text, s, e)
                    and self._single_ok(text, s, e)
                ):
                    extra.append((s, e))
        return extra


_STRONG_CUES = (
    # greetings and sign-offs (a newline may follow the comma)
    r"hi|hello|hey|dear|hiya|thanks|thank\s+you|thx|ty|cheers|regards|best|best\s+regards|"
    r"kind\s+regards|warm\s+regards|many\s+thanks|sincerely|yours|cordially|greetings|"
    r"merci|gracias|danke|grazie|obrigad[oa]|saludos|cordialement|bises|groeten|pozdrawiam|"
    r"tack|takk|kiitos|hola|bonjour|hallo|ciao|salut|"
    # who wrote or sent it
    r"(?:my\s+|her\s+|his\s+|the\s+)?(?:(?:first|last|full|maiden|middle|sur|nick)\s*)?name(?:\s+is|'s|\?)|"
    r"i\s+am|i'm|this\s+is|call\s+me|signed|sent\s+by|"
    r"sent\s+from|written\s+by|reported\s+by|created\s+by|authored\s+by|assigned\s+to|"
    r"submitted\s+by|on\s+behalf\s+of|cc|bcc|attn|c/o|contact(?:ed)?|author|owner|reviewer|"
    r"assignee|"
    # relations and roles ("my manager X", "our PM X")
    r"(?:my|our|your|his|her|their)\s+(?:\w+\s+)?(?:manager|colleague|co-?worker|teammate|"
    r"boss|lead|friend|wife|husband|partner|son|daughter|mom|mum|dad|mother|father|brother|"
    r"sister|intern|supervisor|director|engineer|developer|pm|cto|ceo|customer|client|"
    r"admin|assistant|doctor|lawyer|accountant|landlord|neighbou?r|cousin|uncle|aunt|"
    r"nephew|niece|grandma|grandpa|grandmother|grandfather|tutor|teacher|student|"
    r"roommate|flatmate|contact|rep|representative|agent|advisor|adviser|mentor)|"
    r"colleague|coworker|teammate|"
    # titles
    r"mr|mrs|ms|mx|dr|prof|sir|madam|herr|frau|mme|mlle|sr|sra|miss"
)
_WEAK_CUES = (
    r"from|by|with|to|ask|asked|told|tell|ping|pinged|thanks\s+to|according\s+to|via|per|"
    r"talked\s+to|spoke\s+with|spoke\s+to|met|emailed|called|@"
)
_ROLE = (
    r"(?:(?:our|my|the|a|an)\s+)?(?:[\w/-]+\s+){0,2}(?:pm|cto|ceo|cfo|coo|cio|vp|svp|evp|"
    r"manager|lead|engineer|dev|developer|designer|qa|sre|devops|admin|intern|support|"
    r"analyst|architect|consultant|founder|co-?founder|owner|director|head|team\s+lead|"
    r"tech\s+lead|product|sales|hr|recruiter|she/her|he/him|they/them|contractor|colleague|"
    r"teammate|boss|on-?call|scientist|researcher|editor|writer|author|reviewer|tester|"
    r"programmer|student|teacher|professor|doctor|nurse|assistant|secretary|officer|"
    r"specialist|coordinator|administrator|operator|technician|partner|president|chair|"
    r"member|maintainer|contributor|me)"
)
_NAME_RUN = (
    rf"{_UPPER_WORD}(?:{_SEP}(?:{_PARTICLE}{_SEP}){{0,2}}(?:{_INITIAL}{_SEP})?{_UPPER_WORD}){{0,2}}"
)


_NAME_RUN_RE = regex.compile(_NAME_RUN)
# The verbs after "X said" (case-sensitive, as in the pattern).
_SAID = (
    "said", "says", "told", "asked", "wrote", "replied", "mentioned", "reported", "noted",
    "noticed", "thinks", "suggested", "confirmed", "explained", "complained",
)  # fmt: skip


class NameCueRecognizer(EntityRecognizer):
    """Capitalised words where people write names: after a greeting, a sign-off, "sent by",
    a relation or a title; before a role in parentheses or an e-mail address in angle
    brackets; after "@". Strong cues take any capitalised word that is not an ordinary word
    or a tool ("Thanks, Okonkwo"); weak cues ("from", "ask", "X:") need a known name."""

    STRONG: ClassVar[tuple[regex.Pattern, ...]] = (
        regex.compile(
            rf"(?i:\b(?:{_STRONG_CUES}))(?:[ \t]*[:,.!\-—–]+)?[ \t]*\n?[ \t]*"
            rf"(?P<name>(?-i:{_NAME_RUN}))",
        ),
        # X (role) and (X, role)
        regex.compile(rf"(?P<name>{_NAME_RUN})[ \t]*\((?i:{_ROLE})\b[^()\n]{{0,30}}\)"),
        regex.compile(rf"\((?P<name>{_NAME_RUN})\s*[,;/\-—–]\s*(?i:{_ROLE})\b[^()\n]{{0,30}}\)"),
        # display name before an address: Ana Silva <ana@example.org>, "Ana Silva" <...>
        regex.compile(rf"(?P<name>{_NAME_RUN})[\"']?[ \t]*<[^<>\s]+@[^<>\s]+>"),
        # a signature line: "-- Wei", "— Ana Silva", "~Kofi"
        regex.compile(rf"(?:^|\n)[ \t]*(?:--|—|–|~)[ \t]*(?P<name>{_NAME_RUN})[ \t]*(?=$|\n|,)"),
        # "name": "X" in pasted JSON/YAML
        regex.compile(
            r"(?i:[\"']?(?:name|full_?name|author|owner|contact|customer|user_?name|first_?name|"
            r"last_?name|display_?name|assignee|reviewer|sender|recipient)[\"']?\s*[:=]\s*[\"']?)"
            rf"(?P<name>{_NAME_RUN})"
        ),
        # a list after a word for people: "Attendees: Ana Silva, Okonkwo and Mina"
        regex.compile(
            r"(?i:\b(?:attendees|participants|present|invitees|founders|members|reviewers|"
            r"speakers|authors|guests|organi[sz]ers|approvers|cc|to|team))[ \t]*:[ \t]*"
            rf"(?P<list>{_NAME_RUN}(?:[ \t]*,[ \t]*{_NAME_RUN}){{0,8}}(?:,?[ \t]+(?:and|&)[ \t]+"
            rf"{_NAME_RUN})?)"
        ),
        # the one who said it: "Cerah said the model answered in Thai."
        regex.compile(
            rf"(?:^|(?<=[\n.!?][ \t]{{0,3}}))(?P<name>{_NAME_RUN})[ \t]+(?:{'|'.join(_SAID)})\b"
        ),
        # a name before a phone number in parentheses: "Toma (560 1234) reported"
        regex.compile(rf"(?P<name>{_NAME_RUN})[ \t]*\((?=[+\d])[\d \t.()+\-]{{5,24}}\)"),
        # a name after a dash closing a contact line: "WhatsApp +44 1534 456789 - Kebato"
        regex.compile(
            rf"(?m:^)[^\n]*(?:\d[^\n\d]{{0,3}}){{5}}[^\n]*?[ \t][-–—][ \t]*(?P<name>{_NAME_RUN})"
            r"[ \t]*$"
        ),
    )
    WEAK: ClassVar[tuple[regex.Pattern, ...]] = (
        regex.compile(rf"(?i:(?:^|(?<=[\s(,;]))(?:{_WEAK_CUES}))[ \t]*(?P<name>(?-i:{_NAME_RUN}))"),
        # a speaker at the start of a line: "Kimberly: Remember me?"
        regex.compile(rf"(?m:^)[ \t]*(?P<name>{_NAME_RUN})[ \t]*:[ \t]"),
        # the last line of a text is a name alone: a signature without a dash
        regex.compile(rf"\n[ \t]*(?P<name>{_NAME_RUN})[ \t.]*\Z"),
    )

    def __init__(self, supported_language: str = "en", score: float = 0.75) -> None:
        super().__init__(
            supported_entities=[PERSON],
            supported_language=supported_language,
            name="NameCueRecognizer",
        )
        self.score = score

    def load(self) -> None:  # noqa: D102
        N.lexicon()

    def analyze(  # noqa: D102
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if PERSON not in entities:
            return []
        return [_result(self, s, e, self.score) for s, e in self.find_spans(view_of(text))]

    # What each pattern's matches contain (any one of them), in STRONG + WEAK order: a text
    # without it skips the pattern (same result, one substring test instead of a scan).
    NEEDS: ClassVar[tuple[tuple[str, ...], ...]] = (
        (), ("(",), ("(",), ("@",), ("--", "—", "–", "~"), (":", "="),  # strong
        (":",), _SAID, ("(",), ("-", "–", "—"),
        (), (":",), ("\n",),  # weak
    )  # fmt: skip

    def find_spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every name after a cue (``text`` as :func:`view_of`)."""
        out: list[tuple[int, int]] = []
        if _NAME_START.search(text) is None:
            return out  # every pattern needs a capitalised word
        needs = iter(self.NEEDS)
        for strong, patterns in ((True, self.STRONG), (False, self.WEAK)):
            for pattern in patterns:
                need = next(needs)
                if need and not any(n in text for n in need):
                    continue
                for m in pattern.finditer(text, concurrent=False, overlapped=True):
                    if "list" in pattern.groupindex:
                        out.extend(self._listed_names(text, m.start("list"), m.end("list")))
                        continue
                    span = self._name(text, m.start("name"), m.end("name"), strong)
                    if span is not None:
                        out.append(span)
        return out

    def _listed_names(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """Each item of a list of people (split at commas and "and"), as after a strong cue;
        a place among them stays."""
        out = []
        for item in _NAME_RUN_RE.finditer(text, start, end):
            span = self._name(text, item.start(), item.end(), True)
            if span is None:
                continue
            words = [t for t in _tokens(text, *span) if t.flags >= 0]
            if len(words) == 1 and words[0].flags > 0 and words[0].flags & N.PLACE:
                continue
            out.append(span)
        return out

    @staticmethod
    def _name(text: str, start: int, end: int, strong: bool) -> tuple[int, int] | None:
        tokens = _tokens(text, start, end)
        # The name is the words up to the first ordinary word: "Hi Ana, the Button" -> Ana.
        kept: list[_Token] = []
        for t in tokens:
            if _breaks(t):
                break
            kept.append(t)
        while kept and kept[-1].flags < 0:
            kept.pop()
        if not kept or kept[0].flags < 0:
            return None
        words = [t for t in kept if t.flags >= 0]
        if any(t.flags > 0 and t.flags & N.TECH for t in words) and len(words) == 1:
            return None  # "Thanks, Claude"
        if not strong:
            if not any(_is_name_word(t) and not t.flags & (N.PLACE | N.TECH) for t in words):
                return None
            if len(words) == 1 and words[0].flags & N.AMBIGUOUS:
                return None  # "ask Will", "from Mark" are too often words
        s, e = kept[0].start, kept[-1].end
        code_view, offset = (text, 0) if text[s - 1 : s] != "@" else (" " + text[s : e + 1], s - 1)
        if looks_like_code_or_foreign(code_view, s - offset, e - offset):
            return None
        if not strong and in_address(text, s, e):
            return None
        return s, e
