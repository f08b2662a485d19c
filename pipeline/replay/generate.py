"""`triage simulate --scenario postmortem`: stream the incident's inputs and truth to disk.

Hour by hour: traffic per (pool, region, model) with the versions that answered, the reports
each cause produces at its rate, the routing rows of the reported requests plus unreported
decoys, and the truth. Writes one file per day and keeps only about a day in memory, so
``--scale`` reaches millions of reports. Deterministic for a seed.

`simulate` reads as the list of steps; `_Replay` holds what they share (the random streams,
the users, the per-day buffers) and has one method per step of an hour and of a report.
"""

from __future__ import annotations

import json
import math
import random
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from joins import schemas
from pipeline.replay import world as w
from pipeline.replay.model import (
    NAMED_DIMENSIONS,
    Cause,
    Scenario,
    iso_utc,
)
from pipeline.replay.phrases import LANG_SHARE
from pipeline.replay.scenarios import build_scenario
from pipeline.replay.texts import ReportText, report_text

CAUSES = ("background", "routing_1m", "tpu_corruption", "topk_sampler")
SURFACES = (("claude_code", 0.55), ("claude_ai", 0.35), ("api", 0.10))
THIRD_PARTY_SURFACES = (("claude_code", 0.7), ("api", 0.3))
USERS_PER_SCALE = {"first_party": 5200, "bedrock": 1600, "vertex": 900}
DECOYS_PER_REPORT = 4
MALFORMED_RATE = 0.006
DUPLICATE_RATE = 0.004
NO_REQUEST_ID_RATE = 0.04
LOG_GAP_RATE = 0.015
TAGS = {
    "background": (
        "not_factually_correct",
        "didnt_follow_instructions",
        "too_long",
        "other",
        "refused",
    ),
    "routing_1m": ("didnt_follow_instructions", "other", "not_factually_correct"),
    "tpu_corruption": ("buggy_code", "wrong_language", "other"),
    "topk_sampler": ("other", "buggy_code", "not_factually_correct"),
    "kernel_degenerate": ("other", "buggy_code", "too_long"),
    "ui_wave": ("other", "didnt_follow_instructions"),
    "kv_garbled": ("buggy_code", "didnt_follow_instructions", "other"),
    "vague_worse": ("other", "not_factually_correct", "didnt_follow_instructions"),
}

TRUTH_REPORTS = pa.schema(
    [
        ("report_id", pa.string()),
        ("cause", pa.string()),
        ("status", pa.string()),
        ("n_copies", pa.int32()),
        ("symptoms", pa.list_(pa.string())),
        ("user_id", pa.string()),
        ("session_id", pa.string()),
        ("request_id", pa.string()),
        ("in_routing_log", pa.bool_()),
        ("submitted_at", schemas.UTC_TS),
        ("request_ts", schemas.UTC_TS),
        ("lang", pa.string()),
    ]
    + [(d, pa.string()) for d in w.DIMENSIONS]
)
TRUTH_PII = pa.schema(
    [
        ("report_id", pa.string()),
        ("field", pa.string()),
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("entity_type", pa.string()),
        ("value", pa.string()),
    ]
)
TRUTH_SYMPTOMS = pa.schema(
    [
        ("report_id", pa.string()),
        ("field", pa.string()),
        ("symptom", pa.string()),
        ("start", pa.int32()),
        ("end", pa.int32()),
    ]
)
TRUTH_MALFORMED = pa.schema(
    [
        ("source", pa.string()),
        ("line", pa.int64()),
        ("report_id", pa.string()),
        ("defect", pa.string()),
    ]
)
TRUTH_HOURLY = pa.schema(
    [
        ("hour", schemas.UTC_TS),
        ("platform", pa.string()),
        ("sonnet4_requests", pa.int64()),
        ("misrouted_requests", pa.int64()),
    ]
)


def truth_reports_schema(extra_dimensions: tuple[str, ...]) -> pa.Schema:
    """truth/reports.parquet's schema for a scenario with these extra routing columns."""
    base = [f for f in TRUTH_REPORTS if f.name not in w.DIMENSIONS]
    return pa.schema(base + [(d, pa.string()) for d in NAMED_DIMENSIONS + extra_dimensions])


@dataclass
class Users:
    """The users of one platform who send feedback: id, language, surface, and cumulative
    report weights (a few heavy reporters, a long tail) for ``random.choices``."""

    ids: list[str]
    langs: list[str]
    surfaces: list[str]
    cum_weights: list[float]

    def of_surface(self, surface: str) -> tuple[list[int], list[float]]:
        """Indices and cumulative weights of the users who report from ``surface``."""
        idx = [i for i, s in enumerate(self.surfaces) if s == surface]
        cum, acc = [], 0.0
        for i in idx:
            acc += self.cum_weights[i] - (self.cum_weights[i - 1] if i else 0.0)
            cum.append(acc)
        return idx, cum


def _hex(rng: random.Random, bits: int) -> str:
    """``bits`` random bits as fixed-width hex: the body of a synthetic id."""
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def _make_users(rng: random.Random, platform: str, scale: float) -> Users:
    """The platform's reporting users (more with ``scale``, at least 60): languages drawn
    from `LANG_SHARE`, surfaces by platform (Bedrock and Vertex have no claude.ai), and
    Zipf-like weights shuffled so heavy reporters are not the first ids."""
    n = max(60, int(USERS_PER_SCALE[platform] * scale))
    langs_k, langs_w = zip(*LANG_SHARE.items(), strict=True)
    surf_k, surf_w = zip(
        *(SURFACES if platform == "first_party" else THIRD_PARTY_SURFACES), strict=True
    )
    ids = [f"acct_{_hex(rng, 64)}" for _ in range(n)]
    langs = rng.choices(langs_k, langs_w, k=n)
    surfaces = rng.choices(surf_k, surf_w, k=n)
    # A few heavy reporters, a long tail of occasional ones.
    weights = [1.0 / (i + 1) ** 0.75 for i in range(n)]
    rng.shuffle(weights)
    cum, acc = [], 0.0
    for x in weights:
        acc += x
        cum.append(acc)
    return Users(ids, list(langs), list(surfaces), cum)


def _prepare_folders(output: Path) -> None:
    """Create the five folders of a replay and delete an earlier replay's files in them.

    Why: a rerun into the same folder with a shorter window or another scenario must not
    leave days behind that the pipeline would read as part of this replay.
    """
    for sub in ("feedback", "routing", "traffic", "deploys", "truth"):
        (output / sub).mkdir(parents=True, exist_ok=True)
        for old in (output / sub).glob("*"):
            if old.is_file():
                old.unlink()


def _write_deploys(path: Path, deploys: tuple[w.Deploy, ...]) -> None:
    """deploys/deploys.jsonl: the scenario's change log, one contract record a line."""
    with open(path, "w", encoding="utf-8") as fh:
        for rec in _deploy_records(deploys):
            fh.write(json.dumps(rec) + "\n")


def _dimension_values(pool: w.Pool, region: str, model: str, versions: dict[str, str]) -> dict:
    """The routing dimensions of a request served by ``pool`` in ``region``: the contract's
    named ones and the component versions that answered.

    One definition for the traffic rows, the routing rows (reported and decoy) and the truth,
    so the three always agree on a request's dimensions.
    """
    return {
        "model": model,
        "platform": pool.platform,
        "hardware": pool.hardware,
        "server_pool": pool.name,
        "region": region,
        "context_tier": pool.context_tier,
        **versions,
    }


def _deploy_records(deploys: tuple[w.Deploy, ...]) -> list[dict]:
    """The deploys as the contract's change-log records."""
    out = []
    for d in deploys:
        out.append(
            {
                "deploy_id": d.deploy_id,
                "started_at": iso_utc(d.started_at),
                "finished_at": iso_utc(d.finished_at) if d.finished_at else None,
                "component": d.component,
                "description": d.description,
                "platform": d.platform,
                "hardware": d.hardware,
                "server_pool": d.server_pool,
                "model": d.model,
            }
        )
    return out


def _no_misrouting(platform: str, t: datetime) -> float:
    """The misrouted share of a scenario without a routing bug."""
    return 0.0


def _traffic_rows(
    t: datetime,
    scale: float,
    noise: np.random.Generator,
    misrouted_share: Callable[[str, datetime], float] = w.misrouted_share,
):
    """Rows of (pool, region, model, requests, misrouted) for the hour starting at ``t``."""
    mid = t + timedelta(minutes=30)
    factor = w.traffic_factor(mid)
    shares = w.model_shares(mid)
    rows = []
    long_in: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])  # platform: legit, mis
    for platform, pshare in w.PLATFORM_SHARE.items():
        total = w.BASE_REQUESTS_PER_HOUR * scale * factor * pshare
        mis_share = misrouted_share(platform, mid)
        for pool in w.POOLS:
            if pool.platform != platform or pool.context_tier != "standard":
                continue
            for model in w.MODELS:
                req = total * pool.share * shares[model]
                if req <= 0:
                    continue
                if model == "sonnet-4":
                    legit = req * w.LEGIT_LONG_CONTEXT_SHARE
                    mis = (req - legit) * mis_share
                    long_in[platform][0] += legit
                    long_in[platform][1] += mis
                    req -= legit + mis
                for region, rshare in zip(pool.regions, (0.55, 0.45), strict=False):
                    r = req * (rshare if len(pool.regions) > 1 else 1.0)
                    rows.append([pool, region, model, r, 0.0])
    for platform, (legit, mis) in long_in.items():
        pool = w.LONG_POOL[platform]
        for region, rshare in zip(pool.regions, (0.55, 0.45), strict=False):
            f = rshare if len(pool.regions) > 1 else 1.0
            rows.append([pool, region, "sonnet-4", (legit + mis) * f, mis * f])
    jitter = noise.lognormal(0.0, 0.03, size=len(rows))
    for row, j in zip(rows, jitter, strict=True):
        row[3] *= j
        row[4] *= j
    return rows


class _DayFiles:
    """Per-day buffers of feedback lines and routing rows, flushed in submission-day order.

    A day's lines are sorted by submission time before they are written, so line numbers (and
    so truth/malformed.parquet, filled here) are known only when the day is flushed.
    """

    def __init__(self, out: Path, extra_dimensions: tuple[str, ...]):
        self.out = out
        self.lines: dict[str, list[tuple[str, str, str, str | None, str]]] = defaultdict(list)
        self.routing: dict[str, list[dict]] = defaultdict(list)
        self.malformed: list[dict] = []
        self.routing_schema = schemas.routing_schema(list(extra_dimensions))

    def add_line(
        self, day: str, sort_key: str, line: str, report_id: str | None, defect: str | None
    ) -> None:
        """Buffer a feedback line for ``day``'s file; ``defect`` names a malformed line's."""
        self.lines[day].append((sort_key, report_id or "", line, defect, report_id))

    def flush_before(self, day: str) -> None:
        """Write the feedback and routing files of every buffered day before ``day``."""
        for d in sorted(k for k in set(self.lines) | set(self.routing) if k < day):
            self._flush(d)

    def _flush(self, day: str) -> None:
        items = sorted(self.lines.pop(day, []), key=lambda x: (x[0], x[1], x[3] or ""))
        name = f"feedback/{day}.jsonl"
        with open(self.out / name, "w", encoding="utf-8") as fh:
            for lineno, (_, _, line, defect, rid) in enumerate(items, start=1):
                fh.write(line + "\n")
                if defect is not None:
                    self.malformed.append(
                        {"source": name, "line": lineno, "report_id": rid, "defect": defect}
                    )
        rows = self.routing.pop(day, [])
        rows.sort(key=lambda r: (r["ts"], r["request_id"]))
        table = pa.Table.from_pylist(rows, schema=self.routing_schema)
        pq.write_table(table, self.out / f"routing/{day}.parquet")


def _malform(rng: random.Random, rec: dict) -> tuple[str, str]:
    """A malformed line for the record and its defect: truncated JSON, a missing or
    ill-typed field, a bad kind or timestamp, or not an object. The pipeline must quarantine
    each with its reason; the record itself is left as it was (the truth reads it)."""
    defect = rng.choice(
        (
            "truncated_json",
            "missing_user_id",
            "bad_kind",
            "bad_timestamp",
            "wrong_type",
            "not_an_object",
        )
    )
    rec = dict(rec)
    if defect == "truncated_json":
        line = json.dumps(rec, ensure_ascii=False)
        return line[: max(5, len(line) // 2)], defect
    if defect == "missing_user_id":
        del rec["user_id"]
    elif defect == "bad_kind":
        rec["kind"] = rng.choice(("angry", "thumbs_up", 3))
    elif defect == "bad_timestamp":
        rec["submitted_at"] = rng.choice(("yesterday", "2025-13-45T99:00:00Z", 1756000000))
    elif defect == "wrong_type":
        rec["tags"] = "slow"
    else:
        return json.dumps([rec["report_id"], rec["kind"]]), defect
    return json.dumps(rec, ensure_ascii=False), defect


def simulate(
    output: Path,
    *,
    seed: int = 0,
    scale: float = 1.0,
    progress: Callable[[str], None] | None = None,
    scenario: str | Scenario = "postmortem",
) -> dict:
    """Write a replay under ``output``; return a summary of counts.

    ``scale`` multiplies traffic (and so reports, users and routing rows); 1.0 gives about
    20,000 reports over Aug 1 - Sep 20 2025 for the postmortem. ``scenario``: a name of
    `pipeline.replay.scenarios.SCENARIOS` (built for ``seed``) or a `Scenario`.

    The steps draw from the replay's random streams in a fixed order, and that order fixes the
    bytes for a seed: a change that moves a draw changes every file after it (``diff -r`` two
    replays of the same seed to check a refactor).
    """
    if scale <= 0 or not math.isfinite(scale):
        raise ValueError("--scale must be a positive number")
    if isinstance(scenario, str):
        scenario = build_scenario(scenario, seed)
    output = Path(output)
    _prepare_folders(output)
    replay = _Replay(output, scenario, seed=seed, scale=scale, progress=progress)
    _write_deploys(output / "deploys/deploys.jsonl", scenario.deploys)
    for t in _hours(scenario):
        if t.hour == 0 and t > scenario.start:
            replay.end_day(_day(t - timedelta(days=1)))
        replay.hour(t)
    replay.end_day(_day(scenario.end - timedelta(days=1)), last=True)
    return replay.finish()


def _hours(sc: Scenario) -> Iterator[datetime]:
    """The start of each hour of the scenario's window, in order."""
    for h in range(int((sc.end - sc.start) / timedelta(hours=1))):
        yield sc.start + timedelta(hours=h)


def _day(t: datetime) -> str:
    """The day of ``t`` as the per-day files name it (feedback, routing and traffic)."""
    return t.strftime("%Y-%m-%d")


@dataclass
class _Site:
    """Where a request was served: pool, region, model and the component versions that
    answered (the scenario's version columns at the middle of the hour)."""

    pool: w.Pool
    region: str
    model: str
    versions: dict[str, str]

    def dimensions(self) -> dict:
        """The request's routing dimensions (see `_dimension_values`)."""
        return _dimension_values(self.pool, self.region, self.model, self.versions)

    def rate(self, cause: Cause, at: datetime) -> float:
        """``cause``'s complaints per million exposed requests here at ``at``."""
        return cause.rate(self.pool, self.region, self.model, self.versions, at)


@dataclass
class _Draft:
    """One report as its client sends it (``record``), with what only the truth knows: the
    text's injected spans, the request's time, and whether the request is in the routing log."""

    record: dict  # the contract's fields, sometimes an extra one the pipeline drops
    text: ReportText
    submitted: datetime
    request_ts: datetime
    request_id: str | None
    in_log: bool
    lang: str


class _Replay:
    """What the steps of one replay share while it is written hour by hour.

    Three random streams: ``rng`` draws the users, sessions, record fields and defects,
    ``text_rng`` the texts, ``noise`` (numpy) the traffic jitter, the number of reports and
    the decoy routing rows. Each is drawn in a fixed order; that order is the replay's bytes.
    Per-day buffers (`_DayFiles`, `_TruthFiles`, the day's traffic rows) keep about a day in
    memory, so ``--scale`` reaches millions of reports.
    """

    def __init__(
        self,
        output: Path,
        sc: Scenario,
        *,
        seed: int,
        scale: float,
        progress: Callable[[str], None] | None,
    ):
        self.output, self.sc, self.seed, self.scale = output, sc, seed, scale
        self.progress = progress
        self.rng = random.Random(seed)
        self.text_rng = random.Random(seed * 7919 + 1)
        self.noise = np.random.default_rng(seed)
        # The users are the rng's first draws, platform by platform.
        self.users = {p: _make_users(self.rng, p, scale) for p in w.PLATFORM_SHARE}
        self.last_session: dict[str, str] = {}  # user id: the session of their latest report
        self.days = _DayFiles(output, sc.extra_dimensions)
        self.truth = _TruthFiles(output, sc.extra_dimensions)
        self.traffic_schema = schemas.traffic_schema(list(sc.extra_dimensions))
        self.traffic_day: list[dict] = []
        self.hourly_rows: list[dict] = []
        self.counts: defaultdict[str, int] = defaultdict(int)
        self.misrouted_share = sc.misrouted_share or _no_misrouting
        self.plain = [c for c in sc.causes if c.session_mean <= 1]
        self.sticky = [c for c in sc.causes if c.session_mean > 1]

    def hour(self, t: datetime) -> None:
        """The hour starting at ``t``: traffic per (pool, region, model), the reports each
        cause draws on each of them, the Sonnet 4 misrouting truth, the decoy routing rows."""
        rows = _traffic_rows(t, self.scale, self.noise, self.misrouted_share)
        mid = t + timedelta(minutes=30)
        sonnet: defaultdict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        n_reports = 0
        for pool, region, model, req, mis in rows:
            site = _Site(pool, region, model, self.sc.versions(pool, model, mid))
            self.traffic_day.append({"hour": t, **site.dimensions(), "requests": int(round(req))})
            if model == "sonnet-4":
                sonnet[pool.platform][0] += req
                sonnet[pool.platform][1] += mis
            exposure = {"legit": req - mis, "requests": req, "misrouted": mis}
            n_reports += self._plain_reports(t, site, exposure)
            n_reports += self._sticky_reports(t, site, exposure)
        self._misrouting_truth(t, sonnet)
        _add_decoys(self.days, rows, t, n_reports, self.noise, self.sc.versions)

    def _plain_reports(self, t: datetime, site: _Site, exposure: dict[str, float]) -> int:
        """Reports of the causes whose users report once: a Poisson count per cause (all
        counts drawn before any report), each report at a uniform time in the hour.

        Returns how many, which sizes the hour's decoys.
        """
        mid = t + timedelta(minutes=30)
        draws = [
            self.noise.poisson(exposure[c.exposure] * site.rate(c, mid) / 1e6) for c in self.plain
        ]
        n = 0
        for cause, k in zip(self.plain, draws, strict=True):
            for _ in range(int(k)):
                t_req = t + timedelta(seconds=self.rng.uniform(0, 3599))
                self.report(cause, site, t_req)
                n += 1
        return n

    def _sticky_reports(self, t: datetime, site: _Site, exposure: dict[str, float]) -> int:
        """Reports of the sticky causes: a Poisson number of sessions, each a geometric number
        of reports (mean ``session_mean``) by one user in one session on the same site, minutes
        apart, as a misrouted session stays misrouted. Returns how many."""
        mid = t + timedelta(minutes=30)
        n = 0
        for cause in self.sticky:
            rate = site.rate(cause, mid)
            sessions = self.noise.poisson(
                exposure[cause.exposure] * rate / cause.session_mean / 1e6
            )
            for _ in range(int(sessions)):
                k = int(self.noise.geometric(1 / cause.session_mean))
                t_req = t + timedelta(seconds=self.rng.uniform(0, 3599))
                user_idx, session = None, None
                for _ in range(k):
                    user_idx, session = self.report(cause, site, t_req, user_idx, session)
                    n += 1
                    t_req += timedelta(minutes=self.rng.uniform(3, 40))
        return n

    def _misrouting_truth(self, t: datetime, sonnet: dict[str, list[float]]) -> None:
        """truth/misrouting_hourly.parquet's rows for hour ``t``: per platform, its Sonnet 4
        requests and how many of them were misrouted."""
        for platform, (s_req, s_mis) in sorted(sonnet.items()):
            self.hourly_rows.append(
                {
                    "hour": t,
                    "platform": platform,
                    "sonnet4_requests": int(round(s_req)),
                    "misrouted_requests": int(round(s_mis)),
                }
            )

    def report(
        self,
        cause: Cause,
        site: _Site,
        t_req: datetime,
        user_idx: int | None = None,
        session: str | None = None,
    ) -> tuple[int, str]:
        """One report of ``cause`` about a request served at ``site`` at ``t_req``: its
        feedback line(s), its request's routing row, its truth rows.

        ``user_idx`` and ``session`` continue a sticky session; the returned pair is what the
        session's next report passes in.
        """
        users = self.users[site.pool.platform]
        if user_idx is None:
            user_idx = self._pick_user(cause, users)
        session = self._session(users.ids[user_idx], session)
        draft = self._draft(cause, site, user_idx, session, t_req)
        status, n_copies = self._write_feedback(draft)
        if draft.in_log:  # no request id, or a gap in the log: the join must cope
            self.days.routing[_day(t_req)].append(
                {"request_id": draft.request_id, "ts": t_req, **site.dimensions()}
            )
        self._record_truth(draft, cause, status, n_copies, site)
        self.counts[f"reports_{cause.name}"] += 1
        self.counts["reports"] += 1
        return user_idx, session

    def _pick_user(self, cause: Cause, users: Users) -> int:
        """A reporting user, weighted by how often each reports (a few heavy reporters, a long
        tail); among the users of the cause's surface when it has one (a claude.ai wave comes
        from claude.ai users)."""
        if cause.surface is not None:
            idx, cum = users.of_surface(cause.surface)
            return idx[self.rng.choices(range(len(idx)), cum_weights=cum)[0]]
        return self.rng.choices(range(len(users.ids)), cum_weights=users.cum_weights)[0]

    def _session(self, user: str, session: str | None) -> str:
        """The report's session: ``session`` when a sticky cause passes one, else now and then
        the user's previous session, else a new one. Remembered as the user's latest."""
        if session is None:
            if user in self.last_session and self.rng.random() < 0.15:
                session = self.last_session[user]
            else:
                session = f"sess_{_hex(self.rng, 64)}"
        self.last_session[user] = session
        return session

    def _draft(
        self, cause: Cause, site: _Site, user_idx: int, session: str, t_req: datetime
    ) -> _Draft:
        """The report's contract record and its text in the user's language: kind by surface,
        submitted minutes after the request, some without a request id (and so never in the
        routing log) or lost in a log gap, optional fields left out now and then, and an
        occasional exporter field the contract drops on read."""
        rng, users = self.rng, self.users[site.pool.platform]
        user = users.ids[user_idx]
        surface = users.surfaces[user_idx]
        kind = "bug" if surface == "claude_code" and rng.random() < 0.92 else "thumbs_down"
        submitted = t_req + timedelta(seconds=rng.expovariate(1 / 360.0) + 5)
        rid = f"rpt_{_hex(rng, 64)}"
        request_id = None if rng.random() < NO_REQUEST_ID_RATE else f"req_{_hex(rng, 96)}"
        in_log = request_id is not None and rng.random() >= LOG_GAP_RATE
        has_comment = rng.random() < (0.97 if kind == "bug" else 0.7)
        has_response = rng.random() < 0.92
        txt = report_text(
            self.text_rng,
            cause.text_style,
            users.langs[user_idx],
            has_comment=has_comment,
            has_response=has_response,
        )
        rec = {
            "report_id": rid,
            "kind": kind,
            "submitted_at": iso_utc(submitted),
            "user_id": user,
            "session_id": session if rng.random() > 0.03 else None,
            "request_id": request_id,
            "model": w.CLIENT_MODEL_NAME[site.model] if rng.random() > 0.08 else None,
            "surface": surface,
            "comment": txt.comment,
            "response_excerpt": txt.response,
            # Every surface's value is drawn (the randint too), whichever the user's is.
            "client_version": {
                "claude_code": f"1.0.{rng.randint(80, 99)}",
                "claude_ai": "web-2025.08",
                "api": None,
            }[surface],
            "tags": (
                sorted(set(rng.sample(TAGS[cause.text_style], k=rng.randint(1, 2))))
                if kind == "thumbs_down" and rng.random() < 0.8
                else None
            ),
        }
        if rng.random() < 0.05:  # exporters add fields the contract drops on read
            rec["ip_hint"] = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        return _Draft(rec, txt, submitted, t_req, request_id, in_log, users.langs[user_idx])

    def _write_feedback(self, draft: _Draft) -> tuple[str, int]:
        """The report's line(s) in the feedback file of its submission day: a share
        (``MALFORMED_RATE``) malformed, its defect recorded when the day is written; else
        valid, and a share (``DUPLICATE_RATE``) sent again 1-30 hours later. Returns the
        truth's status and number of copies."""
        rng, rec = self.rng, draft.record
        rid = rec["report_id"]
        day = _day(draft.submitted)
        if rng.random() < MALFORMED_RATE:
            line, defect = _malform(rng, rec)
            self.days.add_line(day, rec["submitted_at"], line, rid, defect)
            self.counts["malformed_lines"] += 1
            return "malformed", 1
        line = json.dumps(rec, ensure_ascii=False)
        self.days.add_line(day, rec["submitted_at"], line, rid, None)
        if rng.random() < DUPLICATE_RATE:
            later = draft.submitted + timedelta(hours=rng.randint(1, 30))
            self.days.add_line(_day(later), iso_utc(later), line, rid, None)
            self.counts["duplicate_lines"] += 1
            return "valid", 2
        return "valid", 1

    def _record_truth(
        self, draft: _Draft, cause: Cause, status: str, n_copies: int, site: _Site
    ) -> None:
        """The report's rows in truth/reports, pii and symptoms.parquet: its cause, status,
        raw ids and dimensions, and every injected personal-data value and symptom with its
        offsets."""
        rec, txt = draft.record, draft.text
        rid = rec["report_id"]
        self.truth.rows["reports"].append(
            {
                "report_id": rid,
                "cause": cause.name,
                "status": status,
                "n_copies": n_copies,
                "symptoms": txt.symptom_names,
                "user_id": rec["user_id"],
                "session_id": rec["session_id"],
                "request_id": draft.request_id,
                "in_routing_log": draft.in_log,
                "submitted_at": draft.submitted,
                "request_ts": draft.request_ts,
                "lang": draft.lang,
                **site.dimensions(),
            }
        )
        for field, s, e, etype, value in txt.pii:
            self.truth.rows["pii"].append(
                {
                    "report_id": rid,
                    "field": field,
                    "start": s,
                    "end": e,
                    "entity_type": etype,
                    "value": value,
                }
            )
        for field, s, e, name in txt.symptoms:
            self.truth.rows["symptoms"].append(
                {"report_id": rid, "field": field, "symptom": name, "start": s, "end": e}
            )

    def end_day(self, day: str, *, last: bool = False) -> None:
        """Close simulated ``day``: append its truth rows, write traffic/``day``.parquet, and
        write the feedback and routing files of the days before it (a report is submitted
        minutes to hours after its request, so a day's files are complete a day later).
        ``last``: the window's end, write every day left."""
        self.truth.flush()
        pq.write_table(
            pa.Table.from_pylist(self.traffic_day, schema=self.traffic_schema),
            self.output / f"traffic/{day}.parquet",
        )
        self.traffic_day = []
        self.days.flush_before("9999-99-99" if last else day)
        if self.progress and not last:
            self.progress(f"simulate: {day} done, {self.counts['reports']:,} reports so far")

    def finish(self) -> dict:
        """The rest of the truth, once every feedback file is written (the malformed lines'
        numbers are known then): the closed truth files, truth/malformed.parquet, the hourly
        misrouting, causes.json and summary.json. Returns the summary."""
        self.truth.close()
        pq.write_table(
            pa.Table.from_pylist(self.days.malformed, schema=TRUTH_MALFORMED),
            self.output / "truth/malformed.parquet",
        )
        pq.write_table(
            pa.Table.from_pylist(self.hourly_rows, schema=TRUTH_HOURLY),
            self.output / "truth/misrouting_hourly.parquet",
        )
        (self.output / "truth/causes.json").write_text(json.dumps(self.sc.truth, indent=2) + "\n")
        summary = {"seed": self.seed, "scale": self.scale, **dict(sorted(self.counts.items()))}
        if self.sc.name != "postmortem":  # the postmortem's summary keeps its original bytes
            summary = {"scenario": self.sc.name, **summary}
        (self.output / "truth/summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        return summary


def _add_decoys(
    days: _DayFiles,
    rows: list,
    t: datetime,
    n_reports: int,
    noise: np.random.Generator,
    versions: Callable[[w.Pool, str, datetime], dict[str, str]],
) -> None:
    """Routing rows of requests nobody reported, drawn in proportion to traffic.

    ``DECOYS_PER_REPORT`` per report of the hour (at least one report's worth), so the join
    must find the reported requests among many and the routing log's shape follows traffic.
    """
    n = DECOYS_PER_REPORT * max(n_reports, 1)
    weights = np.array([r[3] for r in rows])
    picks = noise.choice(len(rows), size=n, p=weights / weights.sum())
    secs = noise.uniform(0, 3599, size=n)
    ids = noise.integers(0, 2**63 - 1, size=(n, 2), dtype=np.int64)
    day = t.strftime("%Y-%m-%d")
    for i in range(n):
        pool, region, model, _, _ = rows[picks[i]]
        ts = t + timedelta(seconds=float(secs[i]))
        v = versions(pool, model, t + timedelta(minutes=30))
        days.routing[day].append(
            {
                "request_id": f"req_{int(ids[i, 0]):016x}{int(ids[i, 1]) & 0xFFFFFFFF:08x}",
                "ts": ts,
                **_dimension_values(pool, region, model, v),
            }
        )


class _TruthFiles:
    """truth/reports, pii and symptoms.parquet, appended a day at a time.

    Rows wait in ``rows`` until `flush` (once a simulated day) writes them as row groups, so
    memory holds about a day of truth at any ``--scale``.
    """

    def __init__(self, out: Path, extra_dimensions: tuple[str, ...]):
        reports_schema = truth_reports_schema(extra_dimensions)
        self._writers = {
            key: (pq.ParquetWriter(out / f"truth/{key}.parquet", schema), schema)
            for key, schema in (
                ("reports", reports_schema),
                ("pii", TRUTH_PII),
                ("symptoms", TRUTH_SYMPTOMS),
            )
        }
        self.rows: dict[str, list[dict]] = {key: [] for key in self._writers}

    def flush(self) -> None:
        """Append the waiting rows of each file and empty the buffers."""
        for key, (writer, schema) in self._writers.items():
            if self.rows[key]:
                writer.write_table(pa.Table.from_pylist(self.rows[key], schema=schema))
            self.rows[key] = []

    def close(self) -> None:
        """Close the three writers (their footers make the files readable)."""
        for writer, _ in self._writers.values():
            writer.close()


def main_progress(msg: str) -> None:
    """`triage simulate`'s progress: one line a simulated day on stderr."""
    print(msg, file=sys.stderr, flush=True)
