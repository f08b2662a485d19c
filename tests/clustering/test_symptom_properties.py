"""Property-based tests of the symptom detectors (issue 19), on answers built by
tests/clustering/textgen.py from material nobody here wrote (wordfreq words, standard-library
code). Each property is the definition in clustering/repetition.py, clustering/truncation.py
and clustering/scripts.py; assertion messages name offsets and kinds, never the text.

The recall and false-positive rates over thousands of such examples are measured by
bench/eval_symptom_properties.py; the shrunk counterexamples hypothesis found while the
detectors were written are pinned in test_symptom_regressions.py.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clustering import detect_symptoms
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
