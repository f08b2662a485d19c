"""Secrets coding users paste: provider keys, tokens, JWTs, bearer tokens, passwords, PEM keys.

Typed formats come from detect-secrets' maintained plugins (their regexes find candidates,
their own ``analyze_string`` confirms them, e.g. the JWT plugin decodes header and payload).
Its high-entropy and keyword scans are not used: they flag ordinary words. What no plugin
covers (newer provider key formats, ``password=...`` values, bearer tokens, whole PEM blocks)
is written here.
"""

from __future__ import annotations

import re
from typing import ClassVar

from detect_secrets.plugins.private_key import PrivateKeyDetector

from redaction.entities import SECRET
from redaction.recognizers.base import RegexSpanRecognizer, SpanPattern
from redaction.secret_plugins import TYPED_PLUGINS

# Characters a token may continue with after the plugin's regex stops (JWT's signature part
# is matched lazily by the plugin, so its regex alone ends the span too early).
_TOKEN_TAIL = re.compile(r"[A-Za-z0-9_\-+/=.]*")
_LONG_TOKEN = re.compile(r"[A-Za-z0-9_\-+/=.]{16,}")


class DetectSecretsRecognizer(RegexSpanRecognizer):
    """detect-secrets' typed plugins as one Presidio recognizer (SECRET).

    For each plugin regex match, the plugin itself must confirm the candidate (its
    ``analyze_string`` yields it), then the span is extended over trailing token characters.
    """

    ENTITY = SECRET
    PATTERNS = ()
    CONTEXT = ("key", "token", "secret", "api", "credential")

    def __init__(self, supported_language: str = "en", name: str | None = None) -> None:
        super().__init__(supported_language=supported_language, name=name)
        self._plugins = [cls() for cls in TYPED_PLUGINS]

    def may_match(self, text: str) -> bool:
        """Every typed token is a run of 16+ token characters; prose rarely has one."""
        return _LONG_TOKEN.search(text) is not None

    def find_spans(self, text: str) -> list[tuple[int, int, float]]:  # noqa: D102
        if not self.may_match(text):
            return []
        spans: list[tuple[int, int, float]] = []
        for plugin in self._plugins:
            for regex in plugin.denylist:
                for match in regex.finditer(text):
                    group = _first_nonempty_group(match)
                    start, end = match.span(group)
                    confirmed = set(plugin.analyze_string(match.group(0)))
                    if match.group(group) not in confirmed:
                        continue
                    tail = _TOKEN_TAIL.match(text, end)
                    end = tail.end() if tail else end
                    start, end = self.adjust(text, start, end)
                    if end > start:
                        spans.append((start, end, 1.0))
        return spans


def _first_nonempty_group(match: re.Match[str]) -> int:
    """Index of the group detect-secrets reports (first non-empty one), else 0."""
    for index in range(1, (match.re.groups or 0) + 1):
        if match.group(index):
            return index
    return 0


def _compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


class ProviderKeyRecognizer(RegexSpanRecognizer):
    """Provider key formats no detect-secrets plugin (1.5) covers."""

    ENTITY = SECRET
    TRIGGERS = (
        "sk-", "sk_", "aiza", "hf_", "github_pat_", "xai-", "glsa_", "dop_v1_", "shpat_", "eyj",
    )  # fmt: skip
    CONTEXT = ("key", "token", "api")
    PATTERNS: ClassVar[tuple[SpanPattern, ...]] = (
        # Anthropic / OpenAI project and service keys, and generic "sk-" / "sk_live_" keys.
        SpanPattern("sk key", _compile(r"(?<![\w-])sk[-_][A-Za-z0-9_\-]{20,}(?![\w-])"), 0.9),
        # JWT by shape (three base64url parts, header starting '{"'): detect-secrets also
        # decodes the parts and drops tokens whose payload is not JSON, e.g. cut-off pastes.
        SpanPattern(
            "jwt shape",
            _compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
            0.9,
        ),
        SpanPattern("google api key", _compile(r"\bAIza[0-9A-Za-z_\-]{35}(?![\w-])"), 0.9),
        SpanPattern("huggingface token", _compile(r"\bhf_[A-Za-z0-9]{30,}\b"), 0.9),
        SpanPattern("github fine-grained", _compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}\b"), 0.9),
        SpanPattern("xai key", _compile(r"\bxai-[A-Za-z0-9]{30,}\b"), 0.9),
        SpanPattern("grafana token", _compile(r"\bglsa_[A-Za-z0-9_]{30,}\b"), 0.9),
        SpanPattern("digitalocean token", _compile(r"\bdop_v1_[a-f0-9]{64}\b"), 0.9),
        SpanPattern("shopify token", _compile(r"\bshpat_[a-fA-F0-9]{32}\b"), 0.9),
    )

    def validate(self, value: str) -> bool:
        """A key has digits or mixed case; rejects ``sk-learn-style-package-names``."""
        if value.startswith("eyJ"):
            return True
        body = value[3:]
        return any(c.isdigit() for c in body) or (
            any(c.isupper() for c in body) and any(c.islower() for c in body)
        )


_KEYWORDS = (
    r"(?:api[_\- ]?key|apikey|access[_\- ]?key(?:[_\- ]?id)?|secret(?:[_\- ]?key)?|"
    r"client[_\- ]?secret|auth[_\- ]?token|access[_\- ]?token|refresh[_\- ]?token|token|"
    r"passw(?:or)?d|passphrase|pwd|private[_\- ]?key|credentials?)"
)
# Values that are syntax, not secrets: placeholders, variables, booleans, empty markers.
_NOT_A_VALUE = re.compile(
    r"^(?:<[^>]*>?|\$\{?\w*\}?|%\(?\w*\)?s?|\{\{?.*\}?\}|none|null|nil|true|false|undefined|"
    r"os\.\S*|process\.env\S*|env\S*|getenv\S*|\*+|x+|\.\.\.|\w*\(|self\.\S*|config\.\S*|"
    r"required|optional|string|str|int|bool|bytes|dict)$",
    re.IGNORECASE,
)


class KeywordSecretRecognizer(RegexSpanRecognizer):
    """A value assigned to a secret-ish name: ``password=hunter2``, ``"api_key": "..."``.

    Explicit assignments (``=``, ``:``) accept any non-syntax value of 4+ characters; prose
    ("my token is X") needs a value that looks generated (letters and digits, 12+ chars).
    """

    ENTITY = SECRET
    TRIGGERS = ("key", "secret", "token", "pass", "pwd", "credential")
    CONTEXT = ("password", "secret", "token", "key")
    PATTERNS: ClassVar[tuple[SpanPattern, ...]] = (
        SpanPattern(
            "assignment",
            _compile(
                r"(?<![A-Za-z])[\w.\-]*?"
                + _KEYWORDS
                + r"(?:[_\-]?(?:id|value|str|string|key))?[\"']?"
                r"\s*(?:=>|:=|=|:)\s*"
                r"(?:[rbuf]?[\"'`])?(?P<value>[^\s\"'`,;]{4,})",
                re.IGNORECASE,
            ),
            0.7,
            "value",
        ),
        SpanPattern(
            "prose",
            _compile(
                r"(?<![A-Za-z])" + _KEYWORDS + r"\s+(?:is|was|of|for\s+\w+\s+is)?\s*[\"'`]?"
                r"(?P<value>(?=[^\s\"'`]*\d)(?=[^\s\"'`]*[A-Za-z])[A-Za-z0-9_\-+/=.!@#$%^&*]{12,})",
                re.IGNORECASE,
            ),
            0.6,
            "value",
        ),
    )

    def adjust(self, text: str, start: int, end: int) -> tuple[int, int]:  # noqa: D102
        # A value ends before closing brackets/quotes and trailing sentence punctuation.
        while end > start and text[end - 1] in ".,;:!?)]}>\"'`":
            end -= 1
        return start, end

    def validate(self, value: str) -> bool:  # noqa: D102
        # Pure numbers after a keyword are settings (``max_token=4096``), not secrets.
        if re.fullmatch(r"[\d.]+", value):
            return False
        return len(value) >= 4 and not _NOT_A_VALUE.match(value)


class BearerTokenRecognizer(RegexSpanRecognizer):
    """``Authorization: Bearer <token>`` / ``Basic <b64>`` header values."""

    ENTITY = SECRET
    TRIGGERS = ("bearer", "basic ", "token ")
    CONTEXT = ("authorization", "header")
    PATTERNS: ClassVar[tuple[SpanPattern, ...]] = (
        SpanPattern(
            "bearer",
            _compile(r"\b(?:bearer|token)\s+(?P<value>[A-Za-z0-9\-._~+/]{16,}=*)", re.IGNORECASE),
            0.8,
            "value",
        ),
        SpanPattern(
            "basic auth header",
            _compile(r"\bauthorization:\s*basic\s+(?P<value>[A-Za-z0-9+/]{8,}=*)", re.IGNORECASE),
            0.8,
            "value",
        ),
    )

    def validate(self, value: str) -> bool:
        """Generated tokens mix digits and letters; prose after "token" does not."""
        return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


class PemPrivateKeyRecognizer(RegexSpanRecognizer):
    """Whole PEM / OpenSSH private-key blocks (header to footer, or to the end of the base64
    run when the paste was cut off). The header is confirmed by detect-secrets' plugin."""

    ENTITY = SECRET
    TRIGGERS = ("private key", "putty-user-key")
    PATTERNS: ClassVar[tuple[SpanPattern, ...]] = (
        SpanPattern(
            "pem block",
            _compile(
                r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
                r"(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
                r"|[A-Za-z0-9+/=\s:,\-\\]*)",
                re.DOTALL,
            ),
            1.0,
        ),
    )

    def __init__(self, supported_language: str = "en", name: str | None = None) -> None:
        super().__init__(supported_language=supported_language, name=name)
        self._plugin = PrivateKeyDetector()

    def adjust(self, text: str, start: int, end: int) -> tuple[int, int]:  # noqa: D102
        while end > start and text[end - 1].isspace():
            end -= 1
        return start, end

    def validate(self, value: str) -> bool:  # noqa: D102
        return any(True for _ in self._plugin.analyze_string(value[:80]))
