"""What one `triage run` is asked to do: inputs, window, thresholds, runner."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class KeySource:
    """Where workers get the pseudonym key: the environment, resolved in ``DoFn.setup``.

    The key itself never enters the pipeline graph (which a distributed runner serialises
    and stores); only this description of where to find it does.
    """

    env_var: str = "TRIAGE_PSEUDONYM_KEY"
    allow_demo: bool = False

    def resolve(self) -> bytes:
        import os

        from redaction import KEY_ENV_VAR, pseudonym_key_from_env

        env = {KEY_ENV_VAR: os.environ.get(self.env_var, "")}
        return pseudonym_key_from_env(env, allow_demo=self.allow_demo)


@dataclass(frozen=True)
class RunOptions:
    input_dir: Path | str  # a str only for an object-store URL (see pipeline.locations)
    output_dir: Path
    since: datetime | None = None
    until: datetime | None = None
    min_users: int = 5
    runner: str = "local"  # local | multiprocess | any Beam runner name
    workers: int = 2
    key: KeySource = field(default_factory=KeySource)
    audit_budget: int = 0
    previous_extract: Path | None = None
    beam_args: tuple[str, ...] = ()
    redaction_batch: int = 256
    embed_batch: int = 256
    embedding: str = "static"  # static (distilled MiniLM table) | transformer (full MiniLM)
    random_state: int = 0
    staging_location: Path | str | None = None  # default OUT/.staging-<id>; a URL for clusters

    def describe(self) -> str:
        """The options as JSON for the `runs` table (no key, no paths' contents)."""
        d = asdict(self)
        d["key"] = {"env_var": self.key.env_var, "demo": self.key.allow_demo}
        return json.dumps(d, default=str, sort_keys=True)
