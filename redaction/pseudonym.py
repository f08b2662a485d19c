"""Keyed pseudonyms for user, session and request ids (HMAC-SHA256).

The key comes from the environment (TRIAGE_PSEUDONYM_KEY) and is never stored with the
data, logged or put into an exception message. Without the key a pseudonym cannot be
reversed or recomputed from a guessed id; with it, the same id always maps to the same
pseudonym, so counts of distinct users survive redaction.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import warnings
from collections.abc import Mapping

logger = logging.getLogger(__name__)

KEY_ENV_VAR = "TRIAGE_PSEUDONYM_KEY"
MIN_KEY_BYTES = 16
DEFAULT_HEX_CHARS = 20
# Public and fixed on purpose: demo output is reproducible and obviously not protected.
DEMO_KEY = b"feedback-triage-demo-key-NOT-SECRET-do-not-use-in-production"
# Short prefixes make a pseudonym's kind visible in the extract (u_3fa9...).
KIND_PREFIXES: dict[str, str] = {"user": "u", "session": "s", "request": "r"}


class MissingPseudonymKeyError(RuntimeError):
    """TRIAGE_PSEUDONYM_KEY is not set (or empty) and the demo key was not allowed."""


class InvalidPseudonymKeyError(ValueError):
    """The pseudonym key is too short to be a real secret."""


class DemoKeyWarning(UserWarning):
    """Pseudonyms are being made with the public demo key."""


def pseudonym_key_from_env(env: Mapping[str, str] = os.environ, allow_demo: bool = False) -> bytes:
    """The pseudonym key from ``env[TRIAGE_PSEUDONYM_KEY]`` (UTF-8 bytes of the value).

    Missing/empty: with ``allow_demo`` return DEMO_KEY and warn loudly (warnings + log),
    else raise MissingPseudonymKeyError with a one-line message. Shorter than
    MIN_KEY_BYTES: InvalidPseudonymKeyError. The key's value never appears in a message.
    """
    value = env.get(KEY_ENV_VAR, "")
    if not value:
        if not allow_demo:
            raise MissingPseudonymKeyError(
                f"{KEY_ENV_VAR} is not set: set it to a secret of at least {MIN_KEY_BYTES} "
                "bytes (or run the demo, which uses a public demo key)"
            )
        message = (
            f"USING THE PUBLIC DEMO PSEUDONYM KEY ({KEY_ENV_VAR} is not set): pseudonyms "
            "are NOT protected; never publish this output"
        )
        warnings.warn(message, DemoKeyWarning, stacklevel=2)
        logger.warning(message)
        return DEMO_KEY
    key = value.encode("utf-8")
    if len(key) < MIN_KEY_BYTES:
        raise InvalidPseudonymKeyError(
            f"{KEY_ENV_VAR} is too short ({len(key)} bytes); use at least {MIN_KEY_BYTES}"
        )
    return key


class Pseudonymizer:
    """HMAC-SHA256 pseudonyms, domain-separated by kind.

    ``pseudonym(raw, kind)`` = ``<prefix>_<first hex_chars of HMAC(key, kind NUL raw)>``;
    the kind is inside the MAC, so the same raw string gives unrelated pseudonyms as a user
    id and as a session id. ``hex_chars`` >= 16 (64 bits: no collisions at our scale).
    """

    def __init__(self, key: bytes, hex_chars: int = DEFAULT_HEX_CHARS) -> None:
        if not isinstance(key, bytes):
            raise TypeError("pseudonym key must be bytes")
        if len(key) < MIN_KEY_BYTES:
            raise InvalidPseudonymKeyError(
                f"pseudonym key is too short ({len(key)} bytes); use at least {MIN_KEY_BYTES}"
            )
        if not 16 <= hex_chars <= 64:
            raise ValueError("hex_chars must be between 16 and 64")
        self._key = key
        self.hex_chars = hex_chars

    def __repr__(self) -> str:  # never show the key
        return f"Pseudonymizer(hex_chars={self.hex_chars})"

    def pseudonym(self, raw: str | None, kind: str) -> str | None:
        """Pseudonym of ``raw`` for ``kind`` ("user", "session", "request" or any other
        non-empty word); None stays None (e.g. a report without a session)."""
        if not kind or not kind.isidentifier():
            raise ValueError("kind must be a non-empty identifier such as 'user'")
        if raw is None:
            return None
        if not isinstance(raw, str):
            raise TypeError(f"raw id must be str or None, got {type(raw).__name__}")
        message = kind.encode("utf-8") + b"\x00" + raw.encode("utf-8", "surrogatepass")
        digest = hmac.new(self._key, message, hashlib.sha256).hexdigest()
        prefix = KIND_PREFIXES.get(kind, kind)
        return f"{prefix}_{digest[: self.hex_chars]}"

    def pseudonym_many(self, raws: list[str | None], kind: str) -> list[str | None]:
        """``pseudonym`` over a list, same order."""
        return [self.pseudonym(raw, kind) for raw in raws]
