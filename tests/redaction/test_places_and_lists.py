"""Names in lists, before "said", before a phone in parentheses and after a contact line's
dash; places after the words people put before places and demonyms are no names; streets
named before "and" belong to the address (issue 18). Synthetic values only."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redaction.recognizers.names import NameCueRecognizer, in_address
from redaction.recognizers.places import in_place_context, is_demonym
from tests.redaction.helpers import types_at

PEOPLE = [
    ("list", "Attendees: Gwa Kakuma, Adiaveo and Mina.", ["Gwa Kakuma", "Adiaveo", "Mina"]),
    ("said", "Cerah said the model answered in Thai.", ["Cerah"]),
    ("phone in parentheses", "Toma (560 1234) reported the truncation", ["Toma"]),
    ("contact line", "WhatsApp +44 1534 456789 - Kebato", ["Kebato"]),
]


@pytest.mark.parametrize("case,text,names", PEOPLE, ids=[p[0] for p in PEOPLE])
def test_cues_find_unknown_names(case, text, names):
    found = [text[s:e] for s, e in NameCueRecognizer().find_spans(text)]
    assert sorted(set(found)) == sorted(names), case


@pytest.mark.parametrize(
    "text",
    [
        "Attendees: Paris, Python and Docker.",
        "The build said no. Python said hi.",
        "version 2.1.3 - Python",
        "Chrome (118.0.5993) crashed",
    ],
)
def test_cues_leave_places_and_tools(text):
    assert NameCueRecognizer().find_spans(text) == []


@pytest.mark.parametrize(
    "text,word,place",
    [
        ("My friend lives in Hella", "Hella", True),
        ("We moved here from Greenport", "Greenport", True),
        ("she returned to Archerwill by helicopter", "Archerwill", True),
        ("studying at the University of Marewa.", "Marewa", True),
        ("sent from Ana yesterday", "Ana", False),
        ("talk to Ana about it", "Ana", False),
        ("in Ana's team the test fails", "Ana", False),
    ],
)
def test_place_context(text, word, place):
    start = text.index(word)
    assert in_place_context(text, start, start + len(word)) is place


def test_demonyms_are_no_names():
    assert is_demonym("Greenlander") and is_demonym("Icelanders")
    assert not is_demonym("Brian") and not is_demonym("Christian") and not is_demonym("Jordan")
    text = "We moved here from Greenlander"
    assert in_address(text, text.index("Greenlander"), len(text))


def test_place_after_lives_in_is_not_a_person(redactor):
    text = "My friend lives in Saint Clair"
    assert "PERSON" not in types_at(redactor, text, "Saint Clair")


def test_street_before_and_is_part_of_the_address(redactor):
    text = "Please send it to Elliot and Gotzkowskystrasse 39 soon."
    assert types_at(redactor, text, "Elliot") == {"STREET_ADDRESS"}


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    st.lists(
        st.sampled_from(["Okonkwo", "Adiaveo", "Kakuma", "Nurishat", "Tsapakis", "Lowati"]),
        min_size=2,
        max_size=5,
        unique=True,
    )
)
def test_every_item_of_an_attendee_list_is_found(items):
    text = "Attendees: " + ", ".join(items[:-1]) + " and " + items[-1] + "."
    found = {text[s:e] for s, e in NameCueRecognizer().find_spans(text)}
    assert found == set(items)
