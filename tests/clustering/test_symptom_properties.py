"""Property-based tests of the symptom detectors (issue 19), on answers built by
tests/clustering/textgen.py from material nobody here wrote (wordfreq words, standard-library
code). Each property is the definition in clustering/repetition.py, clustering/truncation.py
and clustering/scripts.py; assertion messages name offsets and kinds, never the text.

The recall and false-positive rates over thousands of such examples are measured by
bench/eval_symptom_properties.py; the shrunk counterexamples hypothesis found while the
detectors were written are pinned in test_symptom_regressions.py.
"""

from __future__ import annotations

import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clustering import detect_symptoms
from clustering.english import complete_clause, last_word_cut
from tests.clustering import textgen as tg

PROFILE = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _names(text: str) -> set[str]:
    return {s.name for s in detect_symptoms(text)}


def _covering(text: str, name: str, start: int, end: int) -> list[tuple[int, int]]:
    found = [(s.start, s.end) for s in detect_symptoms(text) if s.name == name]
    return [(a, b) for a, b in found if a <= start and b >= end] or found


@PROFILE
@given(st.data())
def test_clean_answers_have_no_symptom(data: st.DataObject) -> None:
    base = tg.answer(tg.DataSource(data))
    found = detect_symptoms(base.text)
    assert found == [], [(s.name, s.start, s.end, s.reason) for s in found]


@PROFILE
@given(st.data())
def test_inserted_repetition_is_found_with_evidence_covering_it(data: st.DataObject) -> None:
    src = tg.DataSource(data)
    ins = tg.insert_repetition(src, tg.answer(src))
    spans = _covering(ins.text, "repetition", ins.start, ins.end)
    assert any(a <= ins.start and b >= ins.end for a, b in spans), (
        ins.unit_kind,
        ins.copies,
        repr(ins.separator),
        (ins.start, ins.end),
        spans,
    )


@PROFILE
@given(st.data())
def test_near_duplicate_loop_is_found(data: st.DataObject) -> None:
    ins = tg.near_duplicates(tg.DataSource(data))
    spans = _covering(ins.text, "repetition", ins.start, ins.end)
    assert any(a <= ins.start and b >= ins.end for a, b in spans), (ins.copies, spans)


@PROFILE
@given(st.data())
def test_cut_inside_a_word_sentence_or_block_is_truncation(data: st.DataObject) -> None:
    src = tg.DataSource(data)
    c = tg.cut(src, tg.answer(src))
    if c is None or not c.decidable:
        return  # see tg.Cut.decidable; counted in bench/eval_symptom_properties.py
    assert "truncation" in _names(c.text), (c.kind, c.part_kind, c.style, c.at)


_LAST_SENTENCE_RE = regex.compile(r"(?s).*[.!?。？！]\s+")
# The end of the last blank line, or of the last fence line (a code block closes a paragraph).
_LAST_BREAK_RE = regex.compile(r"(?s).*(?:\n[ \t]*\n|(?:^|\n)[ \t]*(?:```|~~~)[^\n]*\n)")


def last_sentence(text: str) -> tuple[str, str]:
    """(before, last): the text's last sentence, searched in its last paragraph only (the
    detector's unit: a sentence end before a table, a code block or a heading does not
    start the last sentence)."""
    p = _LAST_BREAK_RE.match(text)
    para = p.end() if p else 0
    m = _LAST_SENTENCE_RE.match(text, para)
    start = m.end() if m else para
    return text[:start], text[start:]


@PROFILE
@given(st.data())
def test_with_word_knowledge_only_a_complete_clause_may_end_a_cut_text(
    data: st.DataObject,
) -> None:
    """With ``truncation_word_knowledge`` every cut that shows what was cut is still
    truncation, except one that leaves a last word that is a word and a sentence that parses
    as a complete English clause (clustering/english.py): nothing in such a text tells it
    from a writer who left the full stop out (bench/eval_symptom_properties.py
    --word-knowledge counts how often the generator's cuts land there)."""
    src = tg.DataSource(data)
    c = tg.cut(src, tg.answer(src))
    if c is None or not c.decidable:
        return
    found = detect_symptoms(c.text, truncation_word_knowledge=True)
    if any(s.name == "truncation" for s in found):
        return
    before, last = last_sentence(c.text)
    assert c.kind != "block", (c.kind, c.part_kind, c.style, c.at)
    assert not last_word_cut(last, before), (c.kind, c.part_kind, c.at)
    assert complete_clause(last), (c.kind, c.part_kind, c.style, c.at)


# Words that need what follows them (determiners, prepositions, conjunctions, auxiliaries and
# modals, copulas, possessives, "to", subject pronouns).
_FUNCTION_WORDS = tuple(
    "the a an of to with for from and or but because is will can be their its which we they".split()
)


@PROFILE
@given(st.data(), st.sampled_from(_FUNCTION_WORDS))
def test_with_word_knowledge_a_sentence_ending_on_a_function_word_is_truncation(
    data: st.DataObject, word: str
) -> None:
    src = tg.DataSource(data)
    base = tg.answer(src)
    sentence = tg.sentence(src)[:-1]  # without its terminal
    text = f"{base.text}\n\n{sentence} {word}"
    found = [
        (s.start, s.end)
        for s in detect_symptoms(text, truncation_word_knowledge=True)
        if s.name == "truncation"
    ]
    assert found and found[0][1] == len(text), (word, found)


# Complete English clauses (word knowledge accepts each without its full stop), subordinating
# conjunctions and subjects: a clause followed by a conjunction and a subject but no verb is
# open ("... because the caller": the conjunction's clause needs its verb).
_CLAUSES = (
    "The cache is rebuilt",
    "It returns nothing",
    "Flush the buffer",
    "The function raises an error",
    "Store the result",
)
_SUBORDINATORS = ("if", "because", "when", "unless", "although", "while", "whenever", "whether")
_SUBJECTS = ("you", "it", "the caller", "the user", "the file")


@PROFILE
@given(
    st.data(),
    st.sampled_from(_CLAUSES),
    st.sampled_from(_SUBORDINATORS),
    st.sampled_from(_SUBJECTS),
)
def test_with_word_knowledge_a_subordinate_clause_without_its_verb_is_truncation(
    data: st.DataObject, clause: str, conjunction: str, subject: str
) -> None:
    src = tg.DataSource(data)
    base = tg.answer(src)

    def wk_truncation(text: str) -> list[tuple[int, int]]:
        found = detect_symptoms(text, truncation_word_knowledge=True)
        return [(s.start, s.end) for s in found if s.name == "truncation"]

    assert wk_truncation(f"{base.text}\n\n{clause}") == [], clause  # complete without its stop
    text = f"{base.text}\n\n{clause} {conjunction} {subject}"
    found = wk_truncation(text)
    assert found and found[0][1] == len(text), (clause, conjunction, subject, found)


@PROFILE
@given(st.data())
def test_foreign_run_inside_prose_is_found(data: st.DataObject) -> None:
    src = tg.DataSource(data)
    lang = src.choice(tuple(tg.LANG_SCRIPT))
    ins = tg.insert_foreign(src, lang)
    spans = _covering(ins.text, "unexpected_script", ins.start, ins.end)
    assert any(a <= ins.start and b >= ins.end for a, b in spans), (
        lang,
        ins.unit_kind,
        (ins.start, ins.end),
        spans,
    )


@PROFILE
@given(st.data())
def test_answer_written_wholly_in_one_language_per_sentence_is_not_unexpected_script(
    data: st.DataObject,
) -> None:
    text = tg.mixed_language_answer(tg.DataSource(data))
    found = [
        (s.start, s.end, s.reason) for s in detect_symptoms(text) if s.name == "unexpected_script"
    ]
    assert found == []


@PROFILE
@given(st.data())
def test_code_block_its_parser_rejects_is_a_syntax_error(data: st.DataObject) -> None:
    src = tg.DataSource(data)
    block, lang = tg.broken_code(src)
    text = tg.sentence(src) + "\n\n" + block
    assert "code_syntax_error" in _names(text), lang


def test_the_last_sentence_is_searched_in_the_last_paragraph():
    """A cut after a heading's first body word, below a table (found by the search above):
    the sentence the definition speaks of is the heading paragraph's, not everything since
    the last full stop before the table."""
    text = "It works. Fine.\n\n| a | b |\n|---|---|\n| 0 | 0 |\n\n# Solid Eye Any Some\nDirect"
    before, last = last_sentence(text)
    assert last == "# Solid Eye Any Some\nDirect" and before + last == text
    assert last_sentence("One. Two three") == ("One. ", "Two three")
    assert last_sentence("no stop at all") == ("", "no stop at all")
    fenced = "Run it. Then:\n```\nx = 1. y\n```\nDone now"
    assert last_sentence(fenced)[1] == "Done now"
