"""Keyed pseudonyms: deterministic, key- and kind-separated, no key in any output."""

from __future__ import annotations

import logging
import re

import pytest

from redaction import (
    DEMO_KEY,
    DemoKeyWarning,
    InvalidPseudonymKeyError,
    MissingPseudonymKeyError,
    Pseudonymizer,
    pseudonym_key_from_env,
)

KEY_A = b"test-key-A-0123456789abcdef"
KEY_B = b"test-key-B-0123456789abcdef"


def test_deterministic_and_shaped():
    p = Pseudonymizer(KEY_A)
    first = p.pseudonym("acct_a72ed5081755c6de", "user")
    assert first == Pseudonymizer(KEY_A).pseudonym("acct_a72ed5081755c6de", "user")
    assert re.fullmatch(r"u_[0-9a-f]{20}", first)
    assert re.fullmatch(r"s_[0-9a-f]{20}", p.pseudonym("sess_1", "session"))
    assert re.fullmatch(r"r_[0-9a-f]{20}", p.pseudonym("req_1", "request"))


def test_key_and_kind_separation():
    a, b = Pseudonymizer(KEY_A), Pseudonymizer(KEY_B)
    assert a.pseudonym("acct_1", "user") != b.pseudonym("acct_1", "user")
    as_user = a.pseudonym("shared-id", "user")
    as_session = a.pseudonym("shared-id", "session")
    assert as_user[2:] != as_session[2:]
    assert a.pseudonym("acct_1", "user") != a.pseudonym("acct_2", "user")


def test_none_and_bad_arguments():
    p = Pseudonymizer(KEY_A)
    assert p.pseudonym(None, "session") is None
    assert p.pseudonym_many(["x", None], "user")[1] is None
    with pytest.raises(ValueError):
        p.pseudonym("x", "")
    with pytest.raises(TypeError):
        p.pseudonym(123, "user")
    with pytest.raises(InvalidPseudonymKeyError):
        Pseudonymizer(b"short")
    with pytest.raises(ValueError):
        Pseudonymizer(KEY_A, hex_chars=8)


def test_key_never_in_repr_or_output():
    p = Pseudonymizer(KEY_A)
    assert "test-key" not in repr(p)
    assert "test-key" not in p.pseudonym("test-key-A", "user")


def test_missing_key_is_a_clear_error():
    with pytest.raises(MissingPseudonymKeyError) as info:
        pseudonym_key_from_env({})
    message = str(info.value)
    assert "TRIAGE_PSEUDONYM_KEY" in message and "\n" not in message
    with pytest.raises(MissingPseudonymKeyError):
        pseudonym_key_from_env({"TRIAGE_PSEUDONYM_KEY": ""})


def test_short_key_rejected_without_echoing_it():
    with pytest.raises(InvalidPseudonymKeyError) as info:
        pseudonym_key_from_env({"TRIAGE_PSEUDONYM_KEY": "tiny-k3y"})
    assert "tiny-k3y" not in str(info.value)


def test_env_key_used():
    key = pseudonym_key_from_env({"TRIAGE_PSEUDONYM_KEY": "a-real-secret-from-the-vault-42"})
    assert key == b"a-real-secret-from-the-vault-42"


def test_demo_key_is_loud(caplog):
    with caplog.at_level(logging.WARNING), pytest.warns(DemoKeyWarning, match="DEMO"):
        key = pseudonym_key_from_env({}, allow_demo=True)
    assert key == DEMO_KEY
    assert "DEMO" in caplog.text
    assert DEMO_KEY.decode() not in caplog.text
