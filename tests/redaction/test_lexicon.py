"""The common-words lexicon that keeps ordinary capitalised words away from NER."""

from __future__ import annotations

import pytest

from pipeline.replay.pii import FIRST_NAMES, LAST_NAMES
from redaction.lexicon import (
    LEXICON_FILE,
    build_common_non_names,
    known_names,
    load_common_non_names,
)
from redaction.ner_view import is_name_candidate, ner_view


def test_no_known_name_is_in_the_lexicon():
    # The privacy side of the trade: a word that is someone's first or last name in any of
    # Faker's locales must stay a name candidate.
    lexicon = load_common_non_names()
    clash = lexicon & known_names()
    assert not clash, f"{len(clash)} names in {LEXICON_FILE.name}; regenerate it"
    assert len(lexicon) > 5000  # the list is there, not an empty file


def test_checked_in_lexicon_is_what_the_generator_builds():
    pytest.importorskip("wordfreq", reason="the dev extra installs wordfreq")
    assert build_common_non_names() == sorted(load_common_non_names()), (
        "regenerate with `python -m redaction.lexicon --write`"
    )


@pytest.mark.parametrize("word", ["Honestly", "Customer", "Session", "Error", "Hey", "Result"])
def test_common_words_are_not_name_candidates(word):
    assert is_name_candidate(word) is False


@pytest.mark.parametrize("word", ["Rose", "Grace", "Jordan", "Paris", "Mark", "Wei", "Zanele"])
def test_names_that_are_also_words_stay_candidates(word):
    assert is_name_candidate(word) is True


def test_every_replay_name_is_a_candidate():
    missed = [n for n in FIRST_NAMES + LAST_NAMES if not is_name_candidate(n)]
    assert not missed


def test_sentence_with_only_common_capitalised_words_skips_ner():
    assert ner_view("Honestly, the Session expired. Error again!") is None
    text = "Honestly, the Session expired. Thanks, Jane"
    assert ner_view(text) == text


def test_missing_lexicon_is_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match="lexicon .* is missing"):
        load_common_non_names(tmp_path / "absent.txt")
