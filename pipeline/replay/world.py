"""The serving world of the postmortem replay: pools, models, versions, traffic, bug rates.

Every number that ../shared/INCIDENT.md fixes lives here, named; everything else (pool
names, shares, background rates) is a plausible choice documented in docs/replay.md.
Times are UTC. Rates are complaints per million requests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


def T(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


START = T(8, 1)
END = T(9, 21)  # exclusive: the replay covers Aug 1 - Sep 20
HOURS = int((END - START) / timedelta(hours=1))

#: Average requests per hour over all platforms at scale 1.0 (daily cycle on top).
BASE_REQUESTS_PER_HOUR = 2_000_000

#: Extra string dimensions the router logs (the contract's "any other column").
EXTRA_DIMENSIONS = ("context_tier", "runtime_config", "sampler_build")
DIMENSIONS = (
    "model",
    "platform",
    "hardware",
    "server_pool",
    "deploy_id",
    "region",
) + EXTRA_DIMENSIONS


@dataclass(frozen=True)
class Pool:
    name: str
    platform: str
    hardware: str
    context_tier: str  # "standard" or "long_1m"
    regions: tuple[str, ...]
    share: float  # share of its platform's standard traffic (0 for long-context pools)


POOLS: tuple[Pool, ...] = (
    Pool("fp-tpu-a", "first_party", "tpu", "standard", ("us-east", "us-central"), 0.25),
    Pool("fp-tpu-b", "first_party", "tpu", "standard", ("us-east", "eu-west"), 0.25),
    Pool("fp-gpu-a", "first_party", "gpu", "standard", ("us-east", "us-west"), 0.30),
    Pool("fp-trn-a", "first_party", "trainium", "standard", ("us-west", "eu-west"), 0.20),
    Pool("fp-long-1m", "first_party", "gpu", "long_1m", ("us-east", "us-west"), 0.0),
    Pool("br-trn-a", "bedrock", "trainium", "standard", ("us-east", "eu-west"), 0.60),
    Pool("br-gpu-a", "bedrock", "gpu", "standard", ("us-west", "ap-northeast"), 0.40),
    Pool("br-long-1m", "bedrock", "trainium", "long_1m", ("us-east",), 0.0),
    Pool("vx-tpu-a", "vertex", "tpu", "standard", ("us-central", "eu-west"), 0.55),
    Pool("vx-gpu-a", "vertex", "gpu", "standard", ("us-central", "ap-northeast"), 0.45),
    Pool("vx-long-1m", "vertex", "tpu", "long_1m", ("us-central",), 0.0),
)
POOL_BY_NAME = {p.name: p for p in POOLS}
LONG_POOL = {p.platform: p for p in POOLS if p.context_tier == "long_1m"}

PLATFORM_SHARE = {"first_party": 0.60, "bedrock": 0.25, "vertex": 0.15}
#: Share of Sonnet 4 traffic that legitimately asks for the 1M-token context.
LEGIT_LONG_CONTEXT_SHARE = 0.02

MODELS = ("sonnet-4", "opus-4.1", "opus-4", "haiku-3.5", "opus-3")
#: What the client shows (feedback.model) for each served model.
CLIENT_MODEL_NAME = {
    "sonnet-4": "claude-sonnet-4-20250514",
    "opus-4.1": "claude-opus-4-1-20250805",
    "opus-4": "claude-opus-4-20250514",
    "haiku-3.5": "claude-3-5-haiku-20241022",
    "opus-3": "claude-3-opus-20240229",
}
OPUS_41_LAUNCH = T(8, 5, 16)


def model_shares(t: datetime) -> dict[str, float]:
    """Share of each model in standard traffic at ``t``; Opus 4.1 launches Aug 5 and ramps."""
    ramp = min(max((t - OPUS_41_LAUNCH) / timedelta(days=3), 0.0), 1.0)
    return {
        "sonnet-4": 0.50,
        "opus-4.1": 0.12 * ramp,
        "opus-4": 0.20 - 0.12 * ramp,
        "haiku-3.5": 0.20,
        "opus-3": 0.10,
    }


def traffic_factor(t: datetime) -> float:
    """Daily cycle (peak ~17:00 UTC), quieter weekends, slow growth; mean about 1."""
    hour = t.hour + t.minute / 60
    daily = 1.0 + 0.45 * math.cos(2 * math.pi * (hour - 17) / 24)
    weekly = 0.78 if t.weekday() >= 5 else 1.07
    growth = 1.0 + 0.10 * ((t - START) / (END - START))
    return daily * weekly * growth


# ---------------------------------------------------------------------------------------
# Bug 1: sticky misrouting of Sonnet 4 short-context requests to the 1M-context pool
# ---------------------------------------------------------------------------------------
ROUTING_BUG_START = T(8, 5, 9)
LB_CHANGE = T(8, 29, 16)  # the routine load-balancing change that raised the share
WORST_HOUR = T(8, 31, 17)  # 16% of first-party Sonnet 4 requests misrouted
ROUTING_FIX = T(9, 4, 12)
ROUTING_FIX_DONE = {"first_party": T(9, 16), "vertex": T(9, 16), "bedrock": T(9, 18)}
BEDROCK_START = T(8, 12, 6)
VERTEX_WINDOW = (T(8, 27), T(9, 16))

INITIAL_SHARE = 0.008
PEAK_SHARE = 0.16
BEDROCK_PEAK_SHARE = 0.0018
VERTEX_SHARE = 0.000003  # "under 0.0004%"


def _ramp(t: datetime, t0: datetime, t1: datetime, v0: float, v1: float) -> float:
    f = (t - t0) / (t1 - t0)
    return v0 + (v1 - v0) * min(max(f, 0.0), 1.0)


def misrouted_share(platform: str, t: datetime) -> float:
    """Fraction of the platform's Sonnet 4 standard requests sent to its 1M-context pool."""
    if platform == "first_party":
        if t < ROUTING_BUG_START or t >= ROUTING_FIX_DONE["first_party"]:
            return 0.0
        if t < LB_CHANGE:
            return INITIAL_SHARE
        if t <= WORST_HOUR:
            return _ramp(t, LB_CHANGE, WORST_HOUR, INITIAL_SHARE, PEAK_SHARE)
        if t < ROUTING_FIX:
            return _ramp(t, WORST_HOUR, ROUTING_FIX, PEAK_SHARE, 0.09)
        return _ramp(t, ROUTING_FIX, ROUTING_FIX_DONE["first_party"], 0.09, 0.0)
    if platform == "bedrock":
        if t < BEDROCK_START or t >= ROUTING_FIX_DONE["bedrock"]:
            return 0.0
        if t <= WORST_HOUR:
            return _ramp(t, BEDROCK_START, WORST_HOUR, 0.0004, BEDROCK_PEAK_SHARE)
        if t < ROUTING_FIX:
            return BEDROCK_PEAK_SHARE
        return _ramp(t, ROUTING_FIX, ROUTING_FIX_DONE["bedrock"], BEDROCK_PEAK_SHARE, 0.0)
    if platform == "vertex":
        return VERTEX_SHARE if VERTEX_WINDOW[0] <= t < VERTEX_WINDOW[1] else 0.0
    return 0.0


# ---------------------------------------------------------------------------------------
# Versions: serving releases (deploy_id), runtime configs, sampler builds
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deploy:
    deploy_id: str
    started_at: datetime
    finished_at: datetime | None
    component: str
    description: str
    platform: str | None = None
    hardware: str | None = None
    server_pool: str | None = None
    model: str | None = None
    column: str | None = None  # the routing column whose value becomes deploy_id
    rollback_of: str | None = None  # for rollbacks: the deploy whose value is undone


def _release(day: int, month: int, platform: str, hw: str, hour: int, desc: str) -> Deploy:
    short = {"first_party": "fp", "bedrock": "br", "vertex": "vx"}[platform]
    hwshort = {"tpu": "tpu", "gpu": "gpu", "trainium": "trn"}[hw]
    did = f"rel-{short}-{hwshort}-{month:02d}{day:02d}"
    start = T(month, day, hour)
    return Deploy(
        did,
        start,
        start + timedelta(hours=3),
        "serving_release",
        desc,
        platform=platform,
        hardware=hw,
        column="deploy_id",
    )


# Innocent serving releases, several on the bugs' own days (the confounders).
RELEASES: tuple[Deploy, ...] = (
    _release(28, 7, "first_party", "tpu", 10, "Serving release: batching scheduler tweaks"),
    _release(28, 7, "first_party", "gpu", 10, "Serving release: batching scheduler tweaks"),
    _release(28, 7, "first_party", "trainium", 10, "Serving release: batching scheduler tweaks"),
    _release(29, 7, "bedrock", "trainium", 14, "Bedrock serving release 41"),
    _release(29, 7, "bedrock", "gpu", 14, "Bedrock serving release 41"),
    _release(30, 7, "vertex", "tpu", 15, "Vertex serving release 17"),
    _release(30, 7, "vertex", "gpu", 15, "Vertex serving release 17"),
    _release(7, 8, "first_party", "gpu", 11, "Serving release: KV-cache eviction metrics"),
    _release(12, 8, "first_party", "tpu", 9, "Serving release: health-check timeouts"),
    _release(14, 8, "bedrock", "trainium", 13, "Bedrock serving release 42"),
    _release(19, 8, "first_party", "trainium", 10, "Serving release: logging format change"),
    _release(25, 8, "first_party", "gpu", 8, "Serving release: tokenizer cache warmup"),
    _release(26, 8, "bedrock", "gpu", 12, "Bedrock serving release 43"),
    _release(26, 8, "vertex", "tpu", 9, "Vertex serving release 18"),
    _release(28, 8, "vertex", "gpu", 16, "Vertex serving release 18"),
    _release(29, 8, "first_party", "trainium", 11, "Serving release: request tracing"),
    _release(3, 9, "first_party", "tpu", 10, "Serving release: graceful drain"),
    _release(10, 9, "first_party", "gpu", 10, "Serving release: graceful drain"),
)

BASE_CONFIG = "cfg-0722"
BAD_CONFIG = "cfg-0825-tpu"
BASE_SAMPLER = "smp-0710"
BAD_SAMPLER = "smp-0826-tpu"
GPU_SAMPLER = "smp-0827-gpu"

CONFIG_DEPLOY = Deploy(
    BAD_CONFIG,
    T(8, 25, 10),
    T(8, 25, 14),
    "runtime_config",
    "TPU runtime configuration push: sampler precision and memory layout settings",
    platform="first_party",
    hardware="tpu",
    column="runtime_config",
)
SAMPLER_DEPLOY_FP = Deploy(
    BAD_SAMPLER,
    T(8, 25, 22),
    T(8, 26, 4),
    "sampler",
    "Sampler rewrite: top-p/top-k handling with approximate top-k on TPU (first party)",
    platform="first_party",
    hardware="tpu",
    column="sampler_build",
)
SAMPLER_DEPLOY_VX = Deploy(
    BAD_SAMPLER,
    T(8, 26, 15),
    T(8, 26, 20),
    "sampler",
    "Sampler rewrite: top-p/top-k handling with approximate top-k on TPU (Vertex)",
    platform="vertex",
    hardware="tpu",
    column="sampler_build",
)

OTHER_CHANGES: tuple[Deploy, ...] = (
    Deploy(
        "cfg-0818-gpu",
        T(8, 18, 9),
        T(8, 18, 11),
        "runtime_config",
        "GPU runtime configuration: larger prefill chunks",
        platform="first_party",
        hardware="gpu",
        column="runtime_config",
    ),
    Deploy(
        "cfg-0827-trn",
        T(8, 27, 13),
        T(8, 27, 15),
        "runtime_config",
        "Trainium runtime configuration: NCCL timeouts",
        hardware="trainium",
        column="runtime_config",
    ),
    Deploy(
        GPU_SAMPLER,
        T(8, 27, 9),
        T(8, 27, 13),
        "sampler",
        "Sampler rewrite: top-p/top-k handling (GPU and Trainium build)",
        hardware="gpu",
        column="sampler_build",
    ),
    Deploy(
        "smp-0827-trn",
        T(8, 27, 9),
        T(8, 27, 13),
        "sampler",
        "Sampler rewrite: top-p/top-k handling (GPU and Trainium build)",
        hardware="trainium",
        column="sampler_build",
    ),
    Deploy(
        "model-opus-4.1-launch",
        OPUS_41_LAUNCH,
        OPUS_41_LAUNCH + timedelta(hours=2),
        "model_launch",
        "Launch of Opus 4.1",
        model="opus-4.1",
    ),
    Deploy(
        "lb-0805-1m-pool",
        ROUTING_BUG_START - timedelta(hours=1),
        ROUTING_BUG_START,
        "load_balancer",
        "Routing table: add the 1M-context pools for the upcoming long-context launch",
        model="sonnet-4",
    ),
    Deploy(
        "lb-0829-rebalance",
        LB_CHANGE - timedelta(hours=1),
        LB_CHANGE,
        "load_balancer",
        "Routine load-balancing change: rebalance Sonnet 4 pools",
        model="sonnet-4",
    ),
    Deploy(
        "lb-0904-routing-fix",
        ROUTING_FIX,
        ROUTING_FIX_DONE["bedrock"],
        "load_balancer",
        "Rollback of lb-0805-1m-pool: context-window routing fix, staged rollout",
        model="sonnet-4",
        rollback_of="lb-0805-1m-pool",
    ),
    Deploy(
        "dash-0826",
        T(8, 26, 11),
        T(8, 26, 11),
        "web_frontend",
        "claude.ai frontend: new share dialog",
        platform="first_party",
    ),
    Deploy(
        "cli-0828",
        T(8, 28, 17),
        T(8, 28, 17),
        "cli_release",
        "Coding CLI 1.0.96: new /bug command output",
        platform=None,
    ),
)

ROLLBACKS: tuple[Deploy, ...] = (
    Deploy(
        "rb-cfg-0825-opus",
        T(8, 28, 20),
        T(8, 28, 23),
        "runtime_config",
        f"Rollback of {BAD_CONFIG} for Opus 4 and Opus 4.1",
        platform="first_party",
        hardware="tpu",
        model="opus-4",
        column="runtime_config",
        rollback_of=BAD_CONFIG,
    ),
    Deploy(
        "rb-cfg-0825-opus41",
        T(8, 28, 20),
        T(8, 28, 23),
        "runtime_config",
        f"Rollback of {BAD_CONFIG} for Opus 4 and Opus 4.1",
        platform="first_party",
        hardware="tpu",
        model="opus-4.1",
        column="runtime_config",
        rollback_of=BAD_CONFIG,
    ),
    Deploy(
        "rb-cfg-0825-all",
        T(9, 2, 14),
        T(9, 2, 17),
        "runtime_config",
        f"Rollback of {BAD_CONFIG} on all first-party TPU",
        platform="first_party",
        hardware="tpu",
        column="runtime_config",
        rollback_of=BAD_CONFIG,
    ),
    Deploy(
        "rb-smp-0826-haiku",
        T(9, 4, 10),
        T(9, 4, 13),
        "sampler",
        f"Rollback of {BAD_SAMPLER} for Haiku 3.5",
        hardware="tpu",
        model="haiku-3.5",
        column="sampler_build",
        rollback_of=BAD_SAMPLER,
    ),
    Deploy(
        "rb-smp-0826-opus3",
        T(9, 12, 10),
        T(9, 12, 13),
        "sampler",
        f"Rollback of {BAD_SAMPLER} for Opus 3",
        hardware="tpu",
        model="opus-3",
        column="sampler_build",
        rollback_of=BAD_SAMPLER,
    ),
)

ALL_DEPLOYS: tuple[Deploy, ...] = tuple(
    sorted(
        RELEASES
        + (CONFIG_DEPLOY, SAMPLER_DEPLOY_FP, SAMPLER_DEPLOY_VX)
        + OTHER_CHANGES
        + ROLLBACKS,
        key=lambda d: (d.started_at, d.deploy_id),
    )
)


def _in_scope(d: Deploy, pool: Pool, model: str) -> bool:
    return (
        (d.platform is None or d.platform == pool.platform)
        and (d.hardware is None or d.hardware == pool.hardware)
        and (d.server_pool is None or d.server_pool == pool.name)
        and (d.model is None or d.model == model)
    )


def versions(pool: Pool, model: str, t: datetime) -> dict[str, str]:
    """deploy_id, runtime_config and sampler_build that answered on ``pool``/``model`` at t.

    A change takes effect at its ``finished_at`` (rolling deploys finish before they serve
    everything); a rollback restores the base value of its column.
    """
    return versions_at(ALL_DEPLOYS, BASE_VERSIONS, pool, model, t)


#: What answered before any change of the replay's log (release, config, sampler build).
BASE_VERSIONS = {
    "deploy_id": "rel-initial",
    "runtime_config": BASE_CONFIG,
    "sampler_build": BASE_SAMPLER,
}


def versions_at(
    deploys: tuple[Deploy, ...], base: dict[str, str], pool: Pool, model: str, t: datetime
) -> dict[str, str]:
    """The version columns (``base``'s keys) that answered on ``pool``/``model`` at ``t``.

    ``deploys`` in order of start; a change takes effect at its ``finished_at``; a rollback
    restores ``base``'s value of its column when the value it undoes is the current one.
    Every scenario of the replay shares this rule, whatever its version columns.
    """
    current = dict(base)
    for d in deploys:
        if d.column is None or not _in_scope(d, pool, model):
            continue
        effective = d.finished_at or d.started_at
        if effective > t:
            continue
        if d.rollback_of is not None:
            if current[d.column] == d.rollback_of:
                current[d.column] = base[d.column]
        else:
            current[d.column] = d.deploy_id
    return current


# ---------------------------------------------------------------------------------------
# Complaint rates (per million requests)
# ---------------------------------------------------------------------------------------
BACKGROUND_RATE = 5.5
LONG_POOL_BACKGROUND_FACTOR = 1.3  # long-context requests are harder: more background
MISROUTED_RATE = 150.0  # per misrouted request; delivered as sticky sessions of reports
MISROUTED_SESSION_MEAN_REPORTS = 2.6
CORRUPTION_RATE = 35.0
CORRUPTION_MODELS = ("opus-4", "opus-4.1", "sonnet-4")
TOPK_RATE = {"haiku-3.5": 12.0, "opus-3": 12.0, "sonnet-4": 1.5}


def corruption_rate(pool: Pool, model: str, v: dict[str, str]) -> float:
    if v["runtime_config"] == BAD_CONFIG and model in CORRUPTION_MODELS:
        return CORRUPTION_RATE
    return 0.0


def topk_rate(pool: Pool, model: str, v: dict[str, str]) -> float:
    if v["sampler_build"] == BAD_SAMPLER and pool.hardware == "tpu":
        return TOPK_RATE.get(model, 0.0)
    return 0.0
