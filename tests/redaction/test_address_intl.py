"""International street addresses (issue 18): the shapes of several countries are one
<STREET_ADDRESS>, and the streets and towns inside them are no person's name. Synthetic
values only."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redaction.recognizers.address import InternationalAddressRecognizer, extend_address
from tests.redaction.helpers import covered, types_at

ADDRESSES = [
    ("pt street word first", "He lives on Rua Cinco de Julho 912.", "Rua Cinco de Julho 912"),
    ("br praca", "the north side of Praça Conjunto Nova Vida 664.", "Praça Conjunto Nova Vida 664"),
    ("fr number first", "sent to 53 place Stanislas yesterday", "53 place Stanislas"),
    ("pl ul", "Adres: ul. Podleśna 17, please", "ul. Podleśna 17"),
    ("de compound", "Meet me at Plattenstrasse 33\nLoka pri Zidanem Mostu, 03229",
     "Plattenstrasse 33\nLoka pri Zidanem Mostu, 03229"),
    ("nl suffix", "He lives on Hugo de Grootlaan 177.", "Hugo de Grootlaan 177"),
    ("fi suffix", "the corner of Lenkkeilijänkatu 86 and Ingi Run",
     "Lenkkeilijänkatu 86 and Ingi Run"),
    ("hu fasor", "The office is at Szilágyi Erzsébet fasor 38.", "Szilágyi Erzsébet fasor 38"),
    ("hu u.", "It refers to Király u. 15. in town", "Király u. 15"),
    ("military", "Please return to USNV Musić\nFPO AP 78173 in case of an issue.",
     "USNV Musić\nFPO AP 78173"),
    ("multi-line", "27 Rue Andalousie Hertzog Station\n Apt. 498\n Beni Said\n Tunisia 36089",
     "27 Rue Andalousie Hertzog Station\n Apt. 498\n Beni Said\n Tunisia 36089"),
]  # fmt: skip


@pytest.mark.parametrize("case,text,value", ADDRESSES, ids=[a[0] for a in ADDRESSES])
def test_international_addresses_are_one_address(redactor, case, text, value):
    assert types_at(redactor, text, value) == {"STREET_ADDRESS"}, case
    assert covered(redactor, text, value), case


@pytest.mark.parametrize(
    "text",
    [
        "sent via Slack 2 times",
        "it took place 2 times this week",
        "Python 3 and Windows 10 on Chrome 118",
        "Rust 1.75 fails; Node 20 works",
        "The Paris office cannot reach the London cluster since June 2024.",
        "Mark the ticket as done; Grace period ended on Monday 12.",
    ],
)
def test_non_addresses(text):
    assert InternationalAddressRecognizer().find_spans(text) == []


def test_a_person_beside_an_address_stays_a_person(redactor):
    text = "Ana Silva lives at Feldstrasse 61, Brüssow"
    assert types_at(redactor, text, "Ana Silva") == {"PERSON"}
    assert types_at(redactor, text, "Feldstrasse 61") == {"STREET_ADDRESS"}


def test_continuation_stops_at_prose():
    text = "lives at 12 Main Street, Ana said hello"
    end = text.index(",")
    assert extend_address(text, end) == end


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.sampled_from(["Rua", "Calle", "Via", "Avenida", "Praça", "Rue"]),
    st.sampled_from(["Cinco de Julho", "Mayor", "Roma", "Paulista", "da Sé", "de Rivoli"]),
    st.integers(min_value=1, max_value=99999),
    st.sampled_from(["", ", Lisboa", "\nPorto\n 4000-123", ", Madrid 28013"]),
)
def test_street_word_first_shapes(word, name, number, tail):
    address = f"{word} {name} {number}{tail}"
    text = f"Please ship it to {address}."
    spans = InternationalAddressRecognizer().find_spans(text)
    start = text.index(address)
    assert [(s, e) for s, e, _ in spans] == [(start, start + len(address))]
