"""What coding users paste besides keys: home-directory paths and credentialed URLs/DSNs."""

from __future__ import annotations

import re
from typing import ClassVar

from detect_secrets.plugins.basic_auth import BasicAuthDetector

from redaction.entities import CONNECTION_STRING, HOME_PATH
from redaction.recognizers.base import RegexSpanRecognizer, SpanPattern

_USERINFO = re.compile(r"://(?P<user>[^\s/@:]*):(?P<password>[^\s@/]+)@[A-Za-z0-9\[]")
# Account folders that name no person.
_SHARED_HOMES = frozenset({"shared", "public", "default", "default user", "all users", "guest"})


class HomePathRecognizer(RegexSpanRecognizer):
    """The home-directory prefix with the user name: /home/jsmith, /Users/priya.k,
    C:\\Users\\Ahmed (also with doubled backslashes as in JSON or Python string literals).
    Only the prefix is replaced: ``/home/jsmith/src/app.py`` -> ``<HOME_PATH>/src/app.py``."""

    ENTITY = HOME_PATH
    TRIGGERS = ("/home/", "/users/", "\\users\\", "/usr/home/")
    CONTEXT = ("path", "file", "directory")
    PATTERNS: ClassVar[tuple[SpanPattern, ...]] = (
        SpanPattern(
            "unix home",
            re.compile(r"(?<![\w.])(?:/usr)?/home/(?P<user>[A-Za-z0-9._\-]+)"),
            0.9,
        ),
        SpanPattern("macos home", re.compile(r"(?<![\w.])/Users/(?P<user>[A-Za-z0-9._\-]+)"), 0.9),
        SpanPattern(
            "windows home",
            re.compile(
                r"(?<![\w])[A-Za-z]:(?:\\\\|\\|/)Users(?:\\\\|\\|/)(?P<user>[A-Za-z0-9._\-]+)",
                re.IGNORECASE,
            ),
            0.9,
        ),
    )

    def adjust(self, text: str, start: int, end: int) -> tuple[int, int]:  # noqa: D102
        # A user name does not end with a dot ("... in /home/jsmith." ends the sentence).
        while end > start and text[end - 1] in ".-":
            end -= 1
        return start, end

    def validate(self, value: str) -> bool:  # noqa: D102
        user = re.split(r"[\\/]+", value)[-1]
        return bool(user) and user.lower() not in _SHARED_HOMES


class ConnectionStringRecognizer(RegexSpanRecognizer):
    """A URL or DSN carrying credentials, whole: ``postgres://app:pw@db:5432/x`` and
    ADO-style ``Server=...;User Id=...;Password=...;``. URL candidates are confirmed by
    detect-secrets' BasicAuthDetector (user:password@ in a URI)."""

    ENTITY = CONNECTION_STRING
    TRIGGERS = ("://", "password=", "pwd=")
    CONTEXT = ("connection", "dsn", "database", "url", "uri")
    PATTERNS: ClassVar[tuple[SpanPattern, ...]] = (
        SpanPattern(
            "url with credentials",
            re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s/@:\"'<>]*:[^\s@\"'<>]+@[^\s\"'<>`]+"),
            0.95,
        ),
        SpanPattern(
            "ado connection string",
            re.compile(
                r"(?:Server|Data Source|Host|Address)\s*=[^;\n]+;(?:[^;\n=]+=[^;\n]*;)*?"
                r"\s*(?:Password|Pwd)\s*=[^;\n\"']+;?",
                re.IGNORECASE,
            ),
            0.9,
        ),
    )

    def __init__(self, supported_language: str = "en", name: str | None = None) -> None:
        super().__init__(supported_language=supported_language, name=name)
        self._basic_auth = BasicAuthDetector()

    def adjust(self, text: str, start: int, end: int) -> tuple[int, int]:  # noqa: D102
        while end > start and text[end - 1] in ".,;:!?)]}>":
            if text[end - 1] == ";" and "://" not in text[start:end]:
                break  # ADO strings legitimately end with ';'
            end -= 1
        return start, end

    def validate(self, value: str) -> bool:
        """detect-secrets' BasicAuthDetector confirms plain ``user:pass@`` URLs, but it rejects
        passwords holding reserved characters (``$ ! *``), which people do use; those are
        kept when the structure is unambiguous: a non-placeholder password before ``@host``."""
        if "://" not in value:
            return True
        if any(True for _ in self._basic_auth.analyze_string(value)):
            return True
        match = _USERINFO.search(value)
        return bool(match) and not match["password"].startswith("<")
