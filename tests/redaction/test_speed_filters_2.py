"""The second round of redaction speed work (issue 18 item 6, issue 22 item 6) decides
nothing itself: each shortcut is checked against the computation it skips. Synthetic
values only; no assertion message quotes a text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts

from redaction import entities as E
from redaction.context import RecognizerContextEngine
from redaction.offline import has_public_suffix
from redaction.recognizers.address import (
    InternationalAddressRecognizer,
    StreetAddressRecognizer,
    has_digit,
)
from redaction.recognizers.base import RegexSpanRecognizer, SpanPattern
from redaction.recognizers.names import LexiconNameRecognizer
from redaction.registry import MemoizedRecognizerRegistry, build_registry
from tests.redaction.test_address_intl import ADDRESSES

# Pieces of addresses of many countries in several cases, names, numbers and separators.
_PIECES = [
    "Rua", "rua", "RUA", "R", "r.", "ul.", "al.", "c/", "C/", "Av.", "av.", "Via", "VIA",
    "place", "Place", "Calle", "Praça", "allée", "Allée", "Boulevard", "Plattenstrasse",
    "STRASSE", "straße", "Grootlaan", "laan", "Király", "u.", "U.", "út", "körút", "krt.",
    "fasor", "tér", "Sokağı", "SOKAĞI", "caddesi", "gatvė", "Lenkkeilijänkatu", "vej",
    "Ana", "Cinco", "de", "Julho", "Stanislas", "Podleśna", "Hugo", "Grootlaan", "Mostu",
    "12", "177", "177a", "03229", "9", "2025", "1.2.3", "v2", "ERROR", "total.",
    "corner of", "lives on", "address:", "USNV", "FPO AP", "Apt.", "and",
    " ", " ", " ", "  ", "\t", ", ", ",", ".", "\n", "\\n", "-", "(", ")",
]  # fmt: skip
_STREET_WORDS = [
    "Rua", "rua", "RUA", "R", "r.", "ul.", "al.", "c/", "Av.", "Via", "place", "Praça",
    "allée", "Plattenstrasse", "STRASSE", "Grootlaan", "laan", "u.", "U.", "út", "krt.",
    "fasor", "Sokağı", "caddesi", "gatvė", "Lenkkeilijänkatu", "vej",
]  # fmt: skip
_NAMES = ["Ana", "Cinco de Julho", "Király", "Hugo de", "Szilágyi Erzsébet", "Podleśna", ""]
_NUMBERS = ["12", "177a", "15.", "03229", "9", ""]
_BLANK = st.sampled_from([" ", "", ", ", "\t", "  ", "\n"])
# Shapes close to an address (a number, a street word, a name, a number), amid other pieces.
_CORE = st.tuples(
    st.sampled_from(_NUMBERS), _BLANK, st.sampled_from(_STREET_WORDS), _BLANK,
    st.sampled_from(_NAMES), _BLANK, st.sampled_from(_NAMES), _BLANK, st.sampled_from(_NUMBERS),
).map("".join)  # fmt: skip
_CORE |= st.tuples(  # a street suffix before the number: "Király u. 15."
    st.sampled_from(_NAMES), _BLANK, st.sampled_from(_STREET_WORDS), _BLANK,
    st.sampled_from(_NUMBERS),
).map("".join)  # fmt: skip
_NOISE = st.lists(st.sampled_from(_PIECES), max_size=6).map("".join)
_TEXTS = st.tuples(_NOISE, _CORE, _NOISE).map("".join) | _NOISE


def _without_needs(recognizer: RegexSpanRecognizer, monkeypatch: pytest.MonkeyPatch) -> None:
    patterns = tuple(SpanPattern(p.name, p.regex, p.score, p.group) for p in recognizer.PATTERNS)
    monkeypatch.setattr(type(recognizer), "PATTERNS", patterns)


def test_address_needs_hold_on_every_example():
    """Each address example the pattern matches passes that pattern's pre-filter."""
    matched = 0
    for _, text, _ in ADDRESSES:
        for pattern in InternationalAddressRecognizer.PATTERNS:
            if pattern.needs is not None and pattern.regex.search(text):
                matched += 1
                assert pattern.needs(text), pattern.name
    assert matched >= 8  # the examples do exercise both filtered patterns


@settings(max_examples=400, deadline=None, derandomize=True)
@given(_TEXTS)
def test_address_needs_are_necessary(text):
    for pattern in InternationalAddressRecognizer.PATTERNS:
        if pattern.needs is not None and not pattern.needs(text):
            assert pattern.regex.search(text) is None, pattern.name


@settings(max_examples=150, deadline=None, derandomize=True)
@given(_TEXTS)
def test_address_recognizers_same_spans_without_needs(text):
    recognizer = InternationalAddressRecognizer()
    filtered = recognizer.find_spans(text)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _without_needs(recognizer, monkeypatch)
        assert recognizer.find_spans(text) == filtered


@pytest.mark.parametrize(
    "text", ["", "abc", "a1", "١٢", "x²", "ＡＢ１", "no digits here, Ana", "٣ Rua X 12"]
)
def test_has_digit_is_any_isdigit(text):
    assert has_digit(text) is any(c.isdigit() for c in text)
    assert StreetAddressRecognizer().may_match(text) is has_digit(text)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(max_size=40))
def test_has_digit_on_any_unicode(text):
    assert has_digit(text) is any(c.isdigit() for c in text)


def test_lexicon_lists_need_a_found_name():
    """A list of capitalised words adds names only beside names already found: with none
    found it adds nothing, as the shortcut assumes."""
    recognizer = LexiconNameRecognizer()
    for text in ["Evans and Martin went home", "Lima, Salas and Brown", "Red, Green and Blue"]:
        assert recognizer._listed(text, []) == []
    assert recognizer.find_spans("Thanks to Maria, Salas and Brown")  # lists still extend


@pytest.mark.parametrize(
    "entities",
    [
        [E.PERSON],
        [E.PHONE_NUMBER, E.PERSON],
        [E.PERSON, E.PHONE_NUMBER],
        sorted(E.ALL_ENTITIES),
        [E.STREET_ADDRESS, E.SECRET],
    ],
)
def test_memoized_registry_answers_as_presidio(entities):
    registry = build_registry()
    assert isinstance(registry, MemoizedRecognizerRegistry)
    for _ in range(2):  # the second answer comes from the memo
        got = registry.get_recognizers("en", entities)
        assert got == RecognizerRegistry.get_recognizers(registry, "en", entities)
    got.clear()  # a caller changing its list changes nothing kept
    assert registry.get_recognizers("en", entities)


def test_memoized_registry_sees_a_changed_list():
    registry = build_registry()
    before = registry.get_recognizers("en", [E.PERSON])
    registry.recognizers = [r for r in registry.recognizers if E.PERSON not in r.supported_entities]
    with pytest.raises(ValueError):  # Presidio's answer when no recognizer serves the request
        registry.get_recognizers("en", [E.PERSON])
    registry.recognizers.append(before[0])
    assert registry.get_recognizers("en", [E.PERSON]) == [before[0]]


class _Raising(RegexSpanRecognizer):
    """A recognizer that raises its own results' scores from context (overrides the hook)."""

    ENTITY = E.SECRET
    PATTERNS = (SpanPattern("token", re.compile(r"tok_\d+"), 0.3),)

    def enhance_using_context(self, text, raw_recognizer_results, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201, D102
        others = kwargs["other_raw_recognizer_results"]
        for r in raw_recognizer_results:
            r.score = min(1.0, r.score + 0.1 * len(others))
        return raw_recognizer_results


def test_context_engine_gives_presidios_results():
    """Grouping results per recognizer in one pass gives the list Presidio's per-recognizer
    scans give, the hook of a recognizer that overrides it included."""
    registry = build_registry()
    registry.add_recognizer(_Raising())
    text = (
        "Call Ana Silva on +44 20 7946 0958 or mail ana@example.org, tok_123, card "
        "4111 1111 1111 1111, IBAN DE89370400440532013000 from 10.0.0.1; Rua Cinco 912"
    )
    recognizers = registry.get_recognizers("en", sorted(E.ALL_ENTITIES))

    def run(engine_type: type[AnalyzerEngine]) -> list[tuple]:
        raw = []
        for recognizer in recognizers:
            for r in recognizer.analyze(text, sorted(E.ALL_ENTITIES), None) or []:
                r.recognition_metadata = r.recognition_metadata or {}  # as analyze() adds it
                r.recognition_metadata.setdefault(
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY, recognizer.id
                )
                raw.append(r)
        engine = engine_type.__new__(engine_type)
        engine.context_aware_enhancer = type(
            "Identity", (), {"enhance_using_context": staticmethod(lambda **kw: kw["raw_results"])}
        )()
        artifacts = NlpArtifacts([], [], [], [], None, "en")
        out = engine._enhance_using_context(text, raw, artifacts, recognizers)
        return [(r.entity_type, r.start, r.end, r.score) for r in out]

    presidio, ours = run(AnalyzerEngine), run(RecognizerContextEngine)
    assert ours == presidio
    assert len(ours) >= 6 and any(t[0] == E.SECRET and t[3] > 0.3 for t in ours)
    assert EntityRecognizer.enhance_using_context is not _Raising.enhance_using_context


@pytest.mark.parametrize(
    "domain", ["example.org", "mail.example.co.uk", "localhost", "bücher.de", "xn--bcher-kva.de"]
)
def test_public_suffix_memo_answers_as_tldextract(domain):
    for _ in range(2):
        assert has_public_suffix(domain) is has_public_suffix.__wrapped__(domain)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(["/HOME/", "Bearer ", "sk-", "PWD=", "x", " ", "İ", "key"])))
def test_trigger_scan_is_a_substring_test(pieces):
    text = "".join(pieces)
    for recognizer in build_registry().recognizers:
        if isinstance(recognizer, RegexSpanRecognizer) and recognizer._triggers:
            lowered = text.lower()
            expected = any(t in lowered for t in recognizer._triggers)
            assert recognizer.may_match(text) is expected
