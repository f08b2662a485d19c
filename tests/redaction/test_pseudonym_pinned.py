"""The pseudonym's exact construction and its boundaries, pinned (found by mutation testing).

The behaviour tests (deterministic, key- and kind-separated) pass for many wrong
constructions; these recompute the documented one with the standard library:
``<prefix>_<first hex_chars of HMAC-SHA256(key, kind NUL raw)>``. Synthetic ids only.
"""

from __future__ import annotations

import hashlib
import hmac

import pytest

from redaction.pseudonym import (
    DEFAULT_HEX_CHARS,
    DEMO_KEY,
    KEY_ENV_VAR,
    MIN_KEY_BYTES,
    InvalidPseudonymKeyError,
    MissingPseudonymKeyError,
    Pseudonymizer,
    pseudonym_key_from_env,
)

KEY = b"pinned-test-key-0123456789"


def _expected(key: bytes, kind: str, raw: str, n: int = DEFAULT_HEX_CHARS) -> str:
    mac = hmac.new(key, kind.encode() + b"\x00" + raw.encode("utf-8", "surrogatepass"),
                   hashlib.sha256).hexdigest()  # fmt: skip
    return mac[:n]


@pytest.mark.parametrize(
    ("kind", "prefix"), [("user", "u"), ("session", "s"), ("request", "r"), ("tenant", "tenant")]
)
def test_known_answer(kind, prefix):
    got = Pseudonymizer(KEY).pseudonym("acct_synthetic_7", kind)
    assert got == f"{prefix}_{_expected(KEY, kind, 'acct_synthetic_7')}"


def test_non_ascii_and_lone_surrogate_ids_are_pseudonymised():
    p = Pseudonymizer(KEY)
    assert p.pseudonym("usuário-ß-東京", "user") == "u_" + _expected(KEY, "user", "usuário-ß-東京")
    # A lone surrogate (from a badly decoded id) must not crash the run.
    odd = "id-\ud800-x"
    assert p.pseudonym(odd, "user") == "u_" + _expected(KEY, "user", odd)


def test_pseudonym_many_is_pseudonym_in_order():
    p = Pseudonymizer(KEY)
    raws = ["a1", None, "b2", "a1"]
    assert p.pseudonym_many(raws, "session") == [p.pseudonym(r, "session") for r in raws]


@pytest.mark.parametrize("n", [16, 17, 63, 64])
def test_hex_chars_bounds_accepted(n):
    got = Pseudonymizer(KEY, hex_chars=n).pseudonym("x1", "user")
    assert got == "u_" + _expected(KEY, "user", "x1", n)
    assert Pseudonymizer(KEY, hex_chars=n).hex_chars == n


@pytest.mark.parametrize("n", [15, 65])
def test_hex_chars_outside_bounds_rejected(n):
    with pytest.raises(ValueError, match="^hex_chars must be between 16 and 64$"):
        Pseudonymizer(KEY, hex_chars=n)


def test_key_length_boundary():
    exact = b"k" * MIN_KEY_BYTES
    assert MIN_KEY_BYTES == 16
    assert Pseudonymizer(exact).pseudonym("x", "user") == "u_" + _expected(exact, "user", "x")
    assert pseudonym_key_from_env({KEY_ENV_VAR: "k" * MIN_KEY_BYTES}) == exact
    with pytest.raises(InvalidPseudonymKeyError, match=r"^pseudonym key is too short \(15 bytes\)"):
        Pseudonymizer(exact[:-1])
    with pytest.raises(
        InvalidPseudonymKeyError, match=rf"^{KEY_ENV_VAR} is too short \(15 bytes\)"
    ):
        pseudonym_key_from_env({KEY_ENV_VAR: "k" * 15})
    # bytes length, not characters: 8 two-byte characters are 16 bytes
    assert pseudonym_key_from_env({KEY_ENV_VAR: "é" * 8}) == ("é" * 8).encode()


def test_bad_arguments_are_specific_errors():
    p = Pseudonymizer(KEY)
    for kind in ("", "two words", "1st"):
        with pytest.raises(ValueError, match="^kind must be a non-empty identifier"):
            p.pseudonym("x", kind)
    with pytest.raises(ValueError, match="^kind must be"):
        p.pseudonym(None, "")
    with pytest.raises(TypeError, match="^raw id must be str or None, got int$"):
        p.pseudonym(5, "user")
    with pytest.raises(TypeError, match="^pseudonym key must be bytes$"):
        Pseudonymizer("a-str-key-0123456789")  # type: ignore[arg-type]
    assert repr(p) == "Pseudonymizer(hex_chars=20)"


def test_missing_key_message_and_demo_key():
    with pytest.raises(MissingPseudonymKeyError, match=rf"^{KEY_ENV_VAR} is not set: set it"):
        pseudonym_key_from_env({KEY_ENV_VAR: ""}, allow_demo=False)
    with pytest.raises(MissingPseudonymKeyError, match=r"which uses a public demo key\)$"):
        pseudonym_key_from_env({})
    with pytest.warns(UserWarning, match="^USING THE PUBLIC DEMO PSEUDONYM KEY") as caught:
        assert pseudonym_key_from_env({}, allow_demo=True) == DEMO_KEY
    message = str(caught[0].message)
    assert "pseudonyms are NOT protected; never publish this output" in message
    # A real key wins over the demo fallback.
    assert pseudonym_key_from_env({KEY_ENV_VAR: "r" * 20}, allow_demo=True) == b"r" * 20
