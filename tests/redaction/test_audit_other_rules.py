"""The audit's other rules at their edges (issue 24: survivors of the mutation run), and the
two bugs they found:

- a typed detect-secrets plugin whose capture group is only the token's *prefix* (GitHub's
  ``(ghp|gho|...)_...``, GitLab's ``(glpat|...)-...``) had only that prefix masked: the
  token itself was published behind ``<SECRET>``;
- a URL whose password is a placeholder (``<SECRET>`` from the redactor, or a template's
  ``<password>``) was counted as a credential, once per masking round (4 per text), which
  inflates the share of texts the run's budget is checked against.

All tokens, keys and ids are made up here (random-looking, no real account).
"""

from __future__ import annotations

import pytest

from redaction.audit import RAW_ID, AuditResult, _cue_before, audit_batch, find_spans

_BODY = "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5"  # 36 token characters, made up


def _audit(text: str, raw_ids=()) -> tuple[str, dict[str, int]]:
    audited = audit_batch([text], raw_ids)
    return audited.texts[0], {k: v for k, v in audited.result.counts.items() if v}


# -- secrets -------------------------------------------------------------------------------

SECRETS = [
    # the plugin's group is the prefix: the whole token is masked
    (f"my token ghp_{_BODY} leaked", "my token <SECRET> leaked"),
    (f"my token gho_{_BODY}.", "my token <SECRET>."),
    (f"glpat-{_BODY[:22]} in the log", "<SECRET> in the log"),
    # the plugin's group is the value after a keyword: only the value is masked
    ('aws_secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"', 'aws_secret_key = "<SECRET>"'),
]


@pytest.mark.parametrize(("text", "expected"), SECRETS)
def test_typed_secrets_are_masked_whole_and_alone(text, expected):
    assert _audit(text) == (expected, {"SECRET": 1})


def test_no_token_character_survives_next_to_a_masked_token():
    for prefix in ("ghp", "gho", "ghu", "ghs", "ghr"):
        masked, counts = _audit(f"token {prefix}_{_BODY}")
        assert masked == "token <SECRET>" and counts == {"SECRET": 1}, prefix


CREDENTIALS = [
    # a password with a character the URL pattern stops at: basic auth still finds it
    ("https://admin:pa<ss@localhost:5432", "https://admin:<CONNECTION_STRING>@localhost:5432", 1),
    ("https://admin:hunter2@db.example.org", "<CONNECTION_STRING>", 1),
    # a placeholder or a template's password is no credential, in any round
    ("postgres://admin:<SECRET>@db.example.org/x", None, 0),
    ("connect with postgres://user:<password>@localhost:5432/db", None, 0),
]


@pytest.mark.parametrize(("text", "expected", "count"), CREDENTIALS)
def test_credentials_in_urls(text, expected, count):
    masked, counts = _audit(text)
    assert masked == (text if expected is None else expected)
    assert counts == ({"CONNECTION_STRING": count} if count else {})


# -- raw ids -------------------------------------------------------------------------------


def test_every_occurrence_of_an_id_with_other_characters_is_found_in_one_pass():
    text = "u:4711 then u:4711 and again u:4711"
    spans = [(s.start, s.end, s.entity_type) for s in find_spans(text, {"u:4711"})]
    assert spans == [(0, 6, RAW_ID), (12, 18, RAW_ID), (29, 35, RAW_ID)]


def test_more_occurrences_than_masking_rounds_are_all_masked():
    text = " ".join(["u:4711"] * 6)
    assert _audit(text, {"u:4711"}) == (" ".join(["<RAW_ID>"] * 6), {RAW_ID: 6})


def test_an_id_at_the_start_of_the_text():
    assert _audit("u:4711 reported it", {"u:4711"}) == ("<RAW_ID> reported it", {RAW_ID: 1})


# -- the cheap gates before the numeric detectors ------------------------------------------


def test_an_ip_address_with_four_digits_in_all_is_read():
    assert _audit("server 1.2.3.4 is down") == ("server <IP_ADDRESS> is down", {"IP_ADDRESS": 1})


def test_a_phone_of_seven_digits_in_all_is_read():
    assert _audit("call 321 2345") == ("call <PHONE_NUMBER>", {"PHONE_NUMBER": 1})


# -- records ---------------------------------------------------------------------------------


def test_a_record_with_a_type_this_version_does_not_audit_keeps_it():
    """A record written by another version (a type added or dropped) is read without loss."""
    result = AuditResult.from_record(
        {"findings": {"PERSON": 2, "LOCATION": 3}, "texts": 9, "texts_with_findings": 4}
    )
    assert result.counts["LOCATION"] == 3 and result.counts["PERSON"] == 2
    assert result.total == 5 and result.texts_scanned == 9 and result.texts_with_findings == 4
    assert AuditResult.from_record(result.as_record()) == result


# -- the cue grammar -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "is_cue"),
    [
        ("Hello ", True),
        ("hello, ", True),
        ("Regards,\n", True),
        ("regards -\n  ", True),
        ("Othello ", False),  # inside a word
        ("hello there ", False),  # a word between the cue and the name
        ("Regards,\n\n", True),  # a sign-off, a blank line, the name
        ("hello\n\n\n", False),  # two blank lines between
    ],
)
def test_a_cue_ends_right_before_the_word(before, is_cue):
    pattern = _cue_before("hello|regards")
    assert (pattern.search(before) is not None) is is_cue
