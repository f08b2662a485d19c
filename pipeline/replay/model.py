"""What a replay is made of: causes (who complains, at what rate), scenarios (a window, a
change log, causes and their truth) and the incident's own scenario, the postmortem.

`pipeline.replay.scenarios` builds the other scenarios from these parts and
`pipeline.replay.generate` writes any of them; neither imports the other for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pipeline.replay import world as w

#: A cause's complaint rate for one traffic row: (pool, region, model, versions, hour's
#: midpoint) -> complaints per million requests.
Rate = Callable[[w.Pool, str, str, dict[str, str], datetime], float]


@dataclass(frozen=True)
class Cause:
    """One source of reports: background complaints or a bug.

    ``exposure`` is what the rate applies to: ``legit`` (requests served where they should
    be), ``requests`` (all of the row's requests) or ``misrouted`` (its misrouted requests).
    With ``session_mean`` > 1 reports come in sticky sessions of that mean length (one user,
    one session, the same pool). ``surface``: only users of that surface report it.
    ``style``: the text style (a key of `phrases.COMMENTS_EN`), the cause's name if None.
    """

    name: str
    rate: Rate
    exposure: str = "requests"
    session_mean: float = 1.0
    surface: str | None = None
    style: str | None = None

    @property
    def text_style(self) -> str:
        return self.style or self.name


@dataclass(frozen=True)
class Scenario:
    """A world to replay: its window, change log, version columns, causes and their truth.

    ``truth`` is written as truth/causes.json: per bug its onset, end, the accepted
    (dimension, value) causes (a combination joins its parts with " & "), its true deploys,
    and ``routed`` (False for a bug no routing dimension explains; absent means True).
    """

    name: str
    start: datetime
    end: datetime  # exclusive
    deploys: tuple[w.Deploy, ...]
    extra_dimensions: tuple[str, ...]
    base_versions: dict[str, str]  # deploy_id and every version column: their initial values
    causes: tuple[Cause, ...]
    truth: dict
    misrouted_share: Callable[[str, datetime], float] | None = None

    def versions(self, pool: w.Pool, model: str, t: datetime) -> dict[str, str]:
        return w.versions_at(self.deploys, self.base_versions, pool, model, t)

    @property
    def dimensions(self) -> tuple[str, ...]:
        return NAMED_DIMENSIONS + self.extra_dimensions


NAMED_DIMENSIONS = ("model", "platform", "hardware", "server_pool", "deploy_id", "region")


def iso_utc(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{t.microsecond // 1000:03d}Z"


def background_rate(pool: w.Pool, region: str, model: str, v: dict[str, str], t: datetime):
    """Ordinary complaints on every pool; long-context requests are harder (x1.3)."""
    return w.BACKGROUND_RATE * (
        w.LONG_POOL_BACKGROUND_FACTOR if pool.context_tier == "long_1m" else 1.0
    )


#: Background complaints on requests served where they should be (every scenario has them).
BACKGROUND_CAUSE = Cause("background", background_rate, exposure="legit")


def _corruption(pool: w.Pool, region: str, model: str, v: dict[str, str], t: datetime):
    return w.corruption_rate(pool, model, v)


def _topk(pool: w.Pool, region: str, model: str, v: dict[str, str], t: datetime):
    return w.topk_rate(pool, model, v)


def misrouted_rate(pool: w.Pool, region: str, model: str, v: dict[str, str], t: datetime):
    """Complaints per misrouted request (the row's misrouted requests are the exposure)."""
    return w.MISROUTED_RATE


def postmortem(seed: int = 0) -> Scenario:
    """The incident of ../shared/INCIDENT.md (the world of `pipeline.replay.world`)."""
    return Scenario(
        name="postmortem",
        start=w.START,
        end=w.END,
        deploys=w.ALL_DEPLOYS,
        extra_dimensions=w.EXTRA_DIMENSIONS,
        base_versions=w.BASE_VERSIONS,
        causes=(
            BACKGROUND_CAUSE,
            Cause("tpu_corruption", _corruption),
            Cause("topk_sampler", _topk),
            Cause(
                "routing_1m",
                misrouted_rate,
                exposure="misrouted",
                session_mean=w.MISROUTED_SESSION_MEAN_REPORTS,
            ),
        ),
        truth=causes_truth(),
        misrouted_share=w.misrouted_share,
    )


def causes_truth() -> dict:
    """What each bug is, when it ran, and which attributions and deploys name it."""
    return {
        "routing_1m": {
            "description": "Sonnet 4 short-context requests misrouted (sticky) to the 1M pool",
            "onset": iso_utc(w.ROUTING_BUG_START),
            "peak": iso_utc(w.WORST_HOUR),
            "end": iso_utc(w.ROUTING_FIX_DONE["bedrock"]),
            "accepted_causes": [
                {"dimension": "context_tier", "value": "long_1m"},
                {"dimension": "server_pool", "value": "fp-long-1m"},
            ],
            "deploys": ["lb-0805-1m-pool", "lb-0829-rebalance"],
            "peak_misrouted_share": w.PEAK_SHARE,
        },
        "tpu_corruption": {
            "description": "First-party TPU runtime misconfiguration: foreign script, broken code",
            "onset": iso_utc(w.CONFIG_DEPLOY.finished_at),
            "end": iso_utc(datetime(2025, 9, 2, 17, tzinfo=UTC)),
            "per_model_end": {
                "opus-4": "2025-08-28T23:00:00.000Z",
                "opus-4.1": "2025-08-28T23:00:00.000Z",
                "sonnet-4": "2025-09-02T17:00:00.000Z",
            },
            "accepted_causes": [{"dimension": "runtime_config", "value": w.BAD_CONFIG}],
            "deploys": [w.BAD_CONFIG],
        },
        "topk_sampler": {
            "description": "Approximate top-k miscompilation in the TPU sampler build",
            "onset": iso_utc(w.SAMPLER_DEPLOY_FP.finished_at),
            "end": iso_utc(datetime(2025, 9, 12, 13, tzinfo=UTC)),
            "per_model_end": {
                "haiku-3.5": "2025-09-04T13:00:00.000Z",
                "opus-3": "2025-09-12T13:00:00.000Z",
            },
            "accepted_causes": [{"dimension": "sampler_build", "value": w.BAD_SAMPLER}],
            "deploys": [w.BAD_SAMPLER],
        },
    }
