"""The audit's person-name rules, each at its edge (issue 24: the mutation run's survivors in
redaction/audit.py were rules no test pinned).

The rules (module docstring of :mod:`redaction.audit`): a capitalised word right after a name
cue (a *strong* cue also takes a word the lexicon does not know, if longer than two letters;
a *weak* cue only a lexicon name), with the word beside it as the surname when it is a name or
unknown; a speaker's name before a colon at the start of a line; two lexicon names in a row
(a first name, then a name; not two ambiguous words, two places, two rare names or a
place/tool of two words) or a popular, unambiguous first name and an unknown word of 3+
letters, with one more name or unknown word after them; lists with two or more popular first
names; every span grown over the name words beside it. Written-out breaks ("\\n" in pasted
JSON) count as breaks.

Every case checks the whole masked text, so a rule that masks too little, too much or with
the wrong type fails. Names are synthetic: Faker-style names, names-dataset entries and
made-up words the lexicon does not know ("Djevad", "Mitnjek", "Kubectl").
"""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from redaction import names as N
from redaction.audit import audit_batch, find_spans

P = "<PERSON>"


def _masked(text: str) -> str:
    return audit_batch([text]).texts[0]


def test_the_made_up_words_are_unknown_to_the_lexicon():
    """The cases below rely on these flags; a regenerated lexicon that knows one of these
    words, or forgets a name, must fail here first."""
    lex = N.lexicon()
    for word in ("Djevad", "Mitnjek", "Kubectl", "Helmfile", "Zendesk", "Zorblat", "Ozu", "Ux"):
        assert lex.flags(word) == 0, word
    for word in ("Maria", "Jessica", "Okonkwo", "Garcia", "Emma", "Mark", "Austin", "Nowak"):
        assert lex.flags(word) & N.NAME, word
    assert lex.flags("Austin") & N.PLACE and lex.flags("Will") & N.AMBIGUOUS
    assert not lex.flags("Nowak") & N.FIRST_TOP
    for word in ("Abascal", "Acuña", "Aarts"):  # surnames only
        assert lex.flags(word) & N.NAME == N.LAST, word
    for word in ("Bulmaro", "Dotson"):  # rare: no popular first name or surname
        assert lex.flags(word) & N.NAME and not lex.flags(word) & (N.FIRST_TOP | N.LAST_TOP)


# -- cues ----------------------------------------------------------------------------------

CUED = [
    # a strong cue takes an unknown word of 3+ letters, not one of 2
    ("Hello Djevad, the export fails", f"Hello {P}, the export fails"),
    ("Hi Ozu, the export fails", f"Hi {P}, the export fails"),
    ("Hi Ux, the export fails", "Hi Ux, the export fails"),
    # ... and a lexicon name of any length
    ("Hi Al, the export fails", f"Hi {P}, the export fails"),
    # a weak cue takes a lexicon name only
    ("I asked Maria about the export", f"I asked {P} about the export"),
    ("I asked Djevad about the export", "I asked Djevad about the export"),
    # the surname beside the cued word: unknown or a name, with spaces between; not a tool
    ("Hello Djevad Mitnjek, the export fails", f"Hello {P}, the export fails"),
    ("Hi Djevad, Kubectl crashes on start", f"Hi {P}, Kubectl crashes on start"),
    ("I told Okonkwo Python is slow", f"I told {P} Python is slow"),
    # a word the cue rules skip does not end the search
    ("asked Djevad about it. Thanks, Okonkwo", f"asked Djevad about it. Thanks, {P}"),
    (
        "the Zorblat build fails. Kind regards, Okonkwo",
        f"the Zorblat build fails. Kind regards, {P}",
    ),
    ("Hi Okonkwo, the Export fails", f"Hi {P}, the Export fails"),
]


@pytest.mark.parametrize(("text", "expected"), CUED)
def test_cued_names(text, expected):
    assert _masked(text) == expected


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(min_value=1, max_value=60))
@example(38)  # the cue's first letter 40 characters before the name
@example(39)  # 41
def test_a_cue_counts_within_40_characters_before_the_word(gap):
    text = "Hi" + " " * gap + "Okonkwo"
    cue_inside = len("Hi") + gap <= 40
    assert _masked(text) == ("Hi" + " " * gap + (P if cue_inside else "Okonkwo"))


# -- speakers at the start of a line -------------------------------------------------------

SPEAKERS = [
    ("Kimberly: Remember me?", f"{P}: Remember me?"),
    ("Nowak Mitnjek: the export is broken", f"{P}: the export is broken"),
    ("Nowak Mitnjek: it fails\nThanks,\nOkonkwo", f"{P}: it fails\nThanks,\n{P}"),
    # not a speaker: an unknown word, an ordinary word that is also a name, no colon, a
    # name and an ordinary word, two unknown words
    ("the log says\nTraceback: most recent call last", None),
    ("Bill: 40 EUR for the month", None),
    ("Kubectl crashes on start", None),
    ("Austin Office: printers are down", None),
    ("Kubectl Helmfile: both crash", None),
]


@pytest.mark.parametrize(("text", "expected"), SPEAKERS)
def test_speakers(text, expected):
    assert _masked(text) == (text if expected is None else expected)


# -- written-out breaks --------------------------------------------------------------------

ESCAPED = [
    (r"Thanks,\nMaria", rf"Thanks,\n{P}"),  # a sign-off across "\n" in pasted JSON
    (r"ok\nKimberly: remember me?", rf"ok\n{P}: remember me?"),  # a speaker after "\n"
    (r"Maria\tGarcia opened it", f"{P} opened it"),  # "\t" is a space, not a line break
]


@pytest.mark.parametrize(("text", "expected"), ESCAPED)
def test_written_out_breaks_are_read_as_breaks(text, expected):
    assert _masked(text) == expected


# -- pairs ---------------------------------------------------------------------------------

PAIRS = [
    # a first name, then a name
    ("Mark Evans filed it", f"{P} filed it"),  # the first ambiguous, the second not
    ("Emma Stone filed it", f"{P} filed it"),  # the second ambiguous, the first not
    ("Austin Miller filed it", f"{P} filed it"),  # one of them a place
    ("Emily Washington filed it", f"{P} filed it"),
    ("Export failed for Maria Garcia", f"Export failed for {P}"),
    # ... with one more word that is unknown or a name, not a tool or a weekday
    ("Maria Garcia Mitnjek filed it", f"{P} filed it"),
    ("I'll ping Ana Silva Monday morning", f"I'll ping {P} Monday morning"),
    ("Maria Garcia Lopez Kubectl crashes", f"{P} Kubectl crashes"),
    # not pairs: two places, a place of two names, a word that is no first name first,
    # two rare names (a cue still takes them), a stop word that is also a name
    ("the Austin Dallas route", None),
    ("Santa Clara office is down", None),
    ("the Zendesk Garcia macro", None),
    ("Bulmaro Dotson filed it", None),
    ("Hi Bulmaro Dotson,", f"Hi {P},"),
    ("My Zendesk ticket", None),
    # a popular, unambiguous first name and an unknown word of 3+ letters
    ("Jessica Mitnjek filed it", f"{P} filed it"),
    ("Jessica Ozu filed it", f"{P} filed it"),
    ("Jessica Ux", None),
    ("the Kubectl Helmfile plugin crashes", None),  # two unknown words
    ("the Berlin Zendesk team", None),  # a place first
    ("Will Zendesk fix it?", None),  # an ordinary word first
]


@pytest.mark.parametrize(("text", "expected"), PAIRS)
def test_pairs(text, expected):
    assert _masked(text) == (text if expected is None else expected)


def test_every_name_is_found_in_one_pass():
    """find_spans (what the evaluation reads) gives each name its span at once; masking the
    text again would only hide a name skipped on the first pass."""
    text = "Maria Garcia Lopez, Jessica Mitnjek"
    spans = [(s.start, s.end, s.entity_type) for s in find_spans(text)]
    assert spans == [(0, 18, "PERSON"), (20, 35, "PERSON")]
    text = "Nowak Mitnjek: it fails\nThanks,\nOkonkwo"  # a speaker, then a sign-off
    spans = [(s.start, s.end, s.entity_type) for s in find_spans(text)]
    assert spans == [(0, 13, "PERSON"), (32, 39, "PERSON")]


_CLEAN_FIRSTS = ("Jessica", "Maria", "Ahmed", "Priya", "Joseph", "Aleksandra", "Okonkwo")


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    st.sampled_from(_CLEAN_FIRSTS),
    st.from_regex(r"[BCDFGHJKLMNPQRSTVWXZ][aeiou][bcdfghjklmnpqrstvwxz][a-z]{0,5}", fullmatch=True),
)
def test_a_popular_first_name_and_an_unknown_word_are_one_person(first, surname):
    assume(N.lexicon().flags(surname) == 0)
    flags = N.lexicon().flags(first)
    assert flags & N.FIRST_TOP and not flags & N.NOT_ALONE
    assert _masked(f"{first} {surname} filed it") == f"{P} filed it"
    # a two-letter unknown word is too short to be the surname
    short = surname[:2]
    if N.lexicon().flags(short) == 0:
        assert _masked(f"{first} {short} filed it") == f"{first} {short} filed it"


# -- lists ---------------------------------------------------------------------------------

LISTS = [
    ("Maria, Djevad and Jessica joined", f"{P}, {P} and {P} joined"),
    ("Maria and Jessica said Djevad was right", f"{P} and {P} said Djevad was right"),
    # one popular first name does not make a list of people, and does not stop the next list
    ("Python, Kafka and Maria are on the list", None),
    (
        "Python, Kafka and Rust failed; Maria, Djevad and Jessica reported it",
        f"Python, Kafka and Rust failed; {P}, {P} and {P} reported it",
    ),
]


@pytest.mark.parametrize(("text", "expected"), LISTS)
def test_lists(text, expected):
    assert _masked(text) == (text if expected is None else expected)


# -- a span grows over the names beside it ------------------------------------------------

GROWN = [
    ("María José García López", P),  # a pair, its third word and one grown
    ("María José García Abascal Acuña", P),  # two surnames grown on the right
    ("Aarts Abascal Acuña, Maria and Jessica", f"{P}, {P} and {P}"),  # two on the left
    ("Maria, Jessica and Acuña Abascal Aarts", f"{P}, {P} and {P}"),  # two on the right
]


@pytest.mark.parametrize(("text", "expected"), GROWN)
def test_a_name_grows_over_the_names_beside_it(text, expected):
    audited = audit_batch([text])
    assert audited.texts == [expected]
    assert audited.result.counts["PERSON"] == expected.count(P)  # one value per name
