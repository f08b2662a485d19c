"""What one `triage run` is asked to do: inputs, window, thresholds, runner."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

KEY_SECRET_ENV_VAR = "TRIAGE_KEY_SECRET"
# Google Secret Manager version names: projects/P/secrets/S/versions/V.
_SECRET_NAME = re.compile(r"projects/[^/\s]+/secrets/[^/\s]+/versions/[^/\s]+")


def _secret_name_from_env() -> str:
    return os.environ.get(KEY_SECRET_ENV_VAR, "")


@dataclass(frozen=True)
class KeySource:
    """Where workers get the pseudonym key, resolved in ``DoFn.setup``.

    In order: the environment variable ``env_var`` (Kubernetes pods get it from a Secret),
    else the Secret Manager version named by ``secret``. ``secret`` defaults to the
    launcher's ``TRIAGE_KEY_SECRET`` and travels to the workers inside the pipeline: that is
    how Dataflow workers, which have no environment of their own, find the key. Only the
    secret's *name* enters the pipeline graph (which a distributed runner serialises and
    stores), never the key.

    ``allow_demo`` (``--demo-key``) is a fallback for a launcher that has no key at all: when
    a key or a secret is configured where the job starts, it is switched off, so a worker
    that lacks the key fails instead of pseudonymising with the public demo key.
    """

    env_var: str = "TRIAGE_PSEUDONYM_KEY"
    allow_demo: bool = False
    secret: str = field(default_factory=_secret_name_from_env)

    def __post_init__(self) -> None:
        if self.allow_demo and (os.environ.get(self.env_var) or self.secret):
            object.__setattr__(self, "allow_demo", False)

    def resolve(self) -> bytes:
        """The key; one-line ``MissingPseudonymKeyError`` when none can be had (a worker
        without the key stops here, before it pseudonymises anything)."""
        from redaction import (  # deferred: on first use
            KEY_ENV_VAR,
            MissingPseudonymKeyError,
            pseudonym_key_from_env,
        )

        value = os.environ.get(self.env_var, "")
        secret = self.secret or _secret_name_from_env()
        if not value and secret:
            value = read_secret(secret)
        if not value and not self.allow_demo:
            raise MissingPseudonymKeyError(
                f"{self.env_var} is not set and {KEY_SECRET_ENV_VAR} names no secret: set "
                f"{self.env_var} to a secret of at least 16 bytes, or {KEY_SECRET_ENV_VAR} "
                "to its Secret Manager version (projects/P/secrets/S/versions/V)"
            )
        return pseudonym_key_from_env({KEY_ENV_VAR: value}, allow_demo=self.allow_demo)


def read_secret(name: str) -> str:
    """The payload of the Google Secret Manager version ``name`` (the caller's credentials:
    on Dataflow the worker service account). Any failure is one ``MissingPseudonymKeyError``
    line naming the secret, never showing its value."""
    from redaction import MissingPseudonymKeyError  # deferred: on first use

    if not _SECRET_NAME.fullmatch(name):
        raise MissingPseudonymKeyError(
            f"{KEY_SECRET_ENV_VAR} must name a secret version as "
            f"projects/P/secrets/S/versions/V, got {name!r}"
        )
    try:
        from google.cloud import secretmanager
    except ImportError:
        raise MissingPseudonymKeyError(
            f"{KEY_SECRET_ENV_VAR} is set but google-cloud-secret-manager is not installed "
            "(the worker image installs it)"
        ) from None
    try:
        client = secretmanager.SecretManagerServiceClient()
        response = client.access_secret_version(name=name, timeout=60)
    except Exception as exc:  # noqa: BLE001 - any failure means: no key, stop here
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        raise MissingPseudonymKeyError(
            f"cannot read the pseudonym key from {name}: {type(exc).__name__}: {first}"
        ) from None
    return response.payload.data.decode("utf-8")


def audit_budget_share(value: str) -> float:
    """``--audit-budget``: a share of texts, as a fraction (``0.001``) or a percentage
    (``0.1%``), between 0 and 1. Raises ValueError with the reason (argparse shows it)."""
    text = value.strip()
    try:
        share = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not 0 <= share <= 1:
        raise ValueError(f"{value!r} is not a share of texts between 0 and 1 (e.g. 0.001 or 0.1%)")
    return share


@dataclass(frozen=True)
class RunOptions:
    input_dir: Path | str  # a str only for an object-store URL (see pipeline.run.locations)
    output_dir: Path
    since: datetime | None = None
    until: datetime | None = None
    min_users: int = 5
    runner: str = "local"  # local | multiprocess | any Beam runner name
    workers: int = 2
    key: KeySource = field(default_factory=KeySource)
    # Share of texts in which the audit may find (and mask) personal data before the run
    # fails as a broken redactor (redaction.audit.DEFAULT_BUDGET_SHARE).
    audit_budget: float = 0.001
    previous_extract: Path | None = None
    beam_args: tuple[str, ...] = ()
    redaction_batch: int = 256
    embed_batch: int = 256
    embedding: str = "static"  # static (distilled MiniLM table) | transformer (full MiniLM)
    random_state: int = 0
    staging_location: Path | str | None = None  # default OUT/.staging-<id>; a URL for clusters
    # Input limits (pipeline.run.validate.InputLimits, docs/pipeline.md "Input limits"): longer
    # comments/excerpts are cut and flagged; longer lines are quarantined unparsed.
    max_text_chars: int = 32 * 1024
    max_line_bytes: int = 4 * 1024 * 1024

    def input_limits(self):  # noqa: ANN201 - pipeline.run.validate.InputLimits (lazy import)
        """The reader's limits for this run."""
        from pipeline.run.validate import InputLimits  # deferred: DuckDB

        return InputLimits(max_line_bytes=self.max_line_bytes, max_text_chars=self.max_text_chars)

    def describe(self) -> str:
        """The options as JSON for the `runs` table (no key, no paths' contents)."""
        d = asdict(self)
        d["key"] = {
            "env_var": self.key.env_var,
            "demo": self.key.allow_demo,
            "secret": self.key.secret,  # a secret's name, never its value
        }
        return json.dumps(d, default=str, sort_keys=True)
