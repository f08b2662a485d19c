"""Invariants of redaction over arbitrary Unicode (issue 18, item 4), with hypothesis.

- Text outside the replaced spans is unchanged (lone surrogates become U+FFFD, as defined).
- Redacting redacted text changes nothing (a placeholder is never read as personal data).
- Placeholders never nest: a placeholder already in the input comes out whole, and no span
  starts or ends inside one.
- Foreign-script runs and code blocks without personal data come out byte for byte.

The real Redactor (spaCy + Presidio) is slow to load and ~1-10 ms per text, so one instance
serves the module (the session fixture) and example counts are modest; derandomized so CI
runs the same examples every time. Shrunk counterexamples are pinned in test_redactor.py and
below as plain tests. Assertion messages carry offsets and types, never the text.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redaction import entities as E
from redaction.text_safety import replace_surrogates
from tests.redaction.helpers import assert_outside_unchanged

PROFILE = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PLACEHOLDERS = [E.placeholder(e) for e in E.PRIORITY]

# Arbitrary Unicode, plus text that looks like what the recognizers look for (capitalised
# words, digit groups, @, code punctuation), so the properties are tried where spans exist.
_WORDS = st.sampled_from(
    ["Maria", "Lopez", "Thanks,", "call", "me", "on", "+44", "20", "7946", "0958", "the",
     "mail", "ana@example.org", "Okonkwo", "(PM)", "cc:", "Dr.", "Straße", "12", "\n", "-",
     "4111", "1111", "server", "10.0.0.1", "key=", "AKIAIOSFODNN7EXAMPLE", "São", "Paulo"]
)  # fmt: skip
TEXT = st.one_of(
    st.text(max_size=120),
    st.lists(st.one_of(_WORDS, st.text(max_size=6)), max_size=25).map(" ".join),
)


def _spans_ok(text: str, spans) -> None:  # noqa: ANN001
    last = 0
    for span in spans:
        assert 0 <= span.start < span.end <= len(text), (span.start, span.end, len(text))
        assert span.start >= last, ("overlap", span.start, last)
        last = span.end


@PROFILE
@given(TEXT)
def test_text_outside_spans_is_unchanged(redactor, text):
    out = redactor.redact(text)
    _spans_ok(text, out.spans)
    assert_outside_unchanged(replace_surrogates(text), out.text, out.spans)


@PROFILE
@given(TEXT)
def test_redacting_redacted_text_changes_nothing(redactor, text):
    once = redactor.redact(text).text
    twice = redactor.redact(once)
    assert twice.text == once, [(s.start, s.end, s.entity_type) for s in twice.spans]


@PROFILE
@given(st.lists(st.one_of(TEXT, st.sampled_from(PLACEHOLDERS)), min_size=1, max_size=6))
def test_placeholders_never_nest(redactor, parts):
    text = " ".join(parts)
    out = redactor.redact(text)
    inside = []
    cursor = 0
    while (i := text.find("<", cursor)) >= 0:
        for p in PLACEHOLDERS:
            if text.startswith(p, i):
                inside.append((i, i + len(p)))
        cursor = i + 1
    for s in out.spans:
        for a, b in inside:
            assert not (a < s.start < b or a < s.end < b), ("cuts a placeholder", s, (a, b))
            assert not (s.start <= a and b <= s.end), ("swallows a placeholder", s, (a, b))
    assert "<<" not in out.text.replace("<<", "", text.count("<<"))


# Letters of scripts beyond Latin Extended-B (the redactor treats them as a symptom).
_FOREIGN = st.text(
    alphabet=st.characters(
        codec="utf-8",
        categories=("Lo", "Lu", "Ll", "Mn", "Nd", "Zs", "Po"),
        min_codepoint=0x0370,
        max_codepoint=0xFFFF,
        exclude_characters="\u2028\u2029",
    ),
    min_size=1,
    max_size=60,
)
_PROSE = st.sampled_from(
    ["The answer switched language:", "it replied", "then this appeared:", "half-way", ""]
)


@PROFILE
@given(_PROSE, _FOREIGN, _PROSE)
def test_foreign_script_runs_come_out_unchanged(redactor, before, run, after):
    text = f"{before} {run} {after}"
    out = redactor.redact(text)
    start = len(before) + 1
    assert out.text[start : start + len(run)] == run, [
        (s.start, s.end, s.entity_type) for s in out.spans
    ]


# Code without personal data: identifiers, keywords, operators, small literals.
_IDENT = st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True).filter(lambda w: not w.isdigit())
_TOKEN = st.one_of(
    _IDENT,
    st.sampled_from(
        ["def", "return", "if", "else", "for", "in", "class", "import", "self", "None",
         "True", "(", ")", "[", "]", "{", "}", ":", "=", "==", "+", "-", "*", ",", ".", "->",
         "'ok'", '"x"', "0", "1", "42", "3.14", "#", "//", "\n", "\n    ", "=>", "const",
         "let", "function", "print(", "len(", "range(", "async", "await"]
    ),
)  # fmt: skip
_CODE = st.lists(_TOKEN, min_size=1, max_size=40).map(" ".join)
_LANG = st.sampled_from(["", "python", "js", "ts", "rust", "go"])


@PROFILE
@given(_LANG, _CODE)
def test_code_blocks_without_personal_data_come_out_unchanged(redactor, lang, code):
    block = f"```{lang}\n{code}\n```"
    text = f"This fails:\n{block}\nAny idea?"
    out = redactor.redact(text)
    assert block in out.text, [(s.start, s.end, s.entity_type) for s in out.spans]


@pytest.mark.parametrize("alphabet", [string.printable, "aA1 <>_PERSON@.:"])
def test_alphabet_smoke(redactor, alphabet):
    # Every text over these alphabets keeps the first property (a cheap non-hypothesis net).
    text = alphabet * 3
    out = redactor.redact(text)
    assert_outside_unchanged(text, out.text, out.spans)


# Shrunk counterexamples hypothesis found (each failed before its fix).
@pytest.mark.parametrize(
    "text",
    [
        "0.0.0.0 Ao Ia",  # a name after an IP read as a street after a house number
    ],
)
def test_regressions_redacting_twice(redactor, text):
    once = redactor.redact(text).text
    assert redactor.redact(once).text == once


@pytest.mark.xfail(
    strict=True,
    reason="NER reads context: after <IP_ADDRESS> the small model tags the two words as a "
    "person, after the address itself it does not; a second pass then finds a name the "
    "first did not (open: NER would have to read the first pass's placeholders)",
)
def test_regression_ner_context_after_a_placeholder(redactor):
    text = "0.0.1.0 Kar La"
    once = redactor.redact(text).text
    assert redactor.redact(once).text == once
