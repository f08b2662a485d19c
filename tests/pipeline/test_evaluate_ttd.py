"""`triage evaluate --until-hours`: time to detection by replaying `triage run --until`."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from joins.evaluate import confident_rows, found, names_cause
from pipeline.cli.evaluate import parse_hours, render_ttd, time_to_detection
from pipeline.extract.publish import TriageError
from pipeline.run.options import RunOptions

ONSET_A = "2025-10-10T06:00:00.000Z"
ONSET_B = "2025-10-11T06:00:00.000Z"  # B's onset + 24 h == A's onset + 48 h: one shared run


def _truth(tmp_path: Path) -> Path:
    truth = tmp_path / "truth"
    truth.mkdir()
    causes = {
        "a": {"onset": ONSET_A, "accepted_causes": [{"dimension": "sampler_build", "value": "s1"}]},
        "b": {"onset": ONSET_B,
              "accepted_causes": [{"dimension": "hardware & region", "value": "tpu & eu-west"}]},
        "ui": {"onset": ONSET_A, "accepted_causes": [], "routed": False},
    }  # fmt: skip
    (truth / "causes.json").write_text(json.dumps(causes))
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"report_id": ["r1"], "cause": ["a"]}), truth / "reports.parquet")
    return truth


def _iso(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


@dataclass
class _Summary:
    db_path: Path


class _Runner:
    """Stands in for `job.run`: records each --until and writes an extract whose findings
    name bug a from onset + 24 h and bug b (as a combination inside a triple) from + 48 h."""

    def __init__(self, with_findings: bool = True, fail_at: datetime | None = None):
        self.untils: list[datetime] = []
        self.with_findings = with_findings
        self.fail_at = fail_at

    def __call__(self, opts: RunOptions) -> _Summary:
        self.untils.append(opts.until)
        if opts.until == self.fail_at:
            raise TriageError("no reports in the window")
        rows = [("c1", 4, "model", "opus-3", 0.001, 3.0)]
        if opts.until >= _iso(ONSET_A) + timedelta(hours=24):
            rows.append(("c1", 1, "sampler_build", "s1", 1e-6, 4.0))
        if opts.until >= _iso(ONSET_B) + timedelta(hours=48):
            rows.append((None, 2, "hardware & region & model", "tpu & eu-west & opus-3", 0.02, 2.5))
        cols = dict(
            zip(
                ("cluster_id", "rank", "dimension", "value", "q_value", "lift"),
                map(list, zip(*rows, strict=True)),
                strict=True,
            )
        )
        cols["reports"] = [10] * len(rows)
        cols["users"] = [9] * len(rows)
        table = pa.table(cols)
        opts.output_dir.mkdir(parents=True)
        db = opts.output_dir / "triage.duckdb"
        con = duckdb.connect(str(db))
        con.register("t", table)
        con.execute("create table reports as select 'r1' as report_id, 'c1' as cluster_id")
        con.execute("create table attributions as select * from t")
        if self.with_findings:
            con.execute("create table findings as select *, null::varchar deploy_id from t")
        con.close()
        return _Summary(db)


def test_each_routed_bug_is_replayed_at_onset_plus_h_and_shared_runs_are_shared(tmp_path):
    truth = _truth(tmp_path)
    runner = _Runner()
    base = RunOptions(input_dir=tmp_path, output_dir=tmp_path / "unused")
    lines: list[str] = []
    res = time_to_detection(base, truth, [12, 24, 48], progress=lines.append, run=runner)
    a, b = _iso(ONSET_A), _iso(ONSET_B)
    want = {a + timedelta(hours=h) for h in (12, 24, 48)} | {
        b + timedelta(hours=h) for h in (12, 24, 48)
    }
    assert sorted(runner.untils) == sorted(want)  # 5 distinct: a+48 h == b+24 h ran once
    assert len(runner.untils) == 5
    assert set(res) == {"a", "b"}  # the unrouted UI wave is not replayed
    assert {h: r["found"] for h, r in res["a"]["by_hours"].items()} == {
        12: False,
        24: True,
        48: True,
    }
    assert res["a"]["ttd_hours"] == 24 and res["a"]["by_hours"][24]["rank"] == 1
    # b's triple contains the accepted pair; rank 2 but q 0.02: found at + 48 h.
    assert res["b"]["ttd_hours"] == 48 and res["b"]["by_hours"][48]["cluster_id"] is None
    assert res["b"]["by_hours"][24]["until"] == (b + timedelta(hours=24)).isoformat()
    assert any("run 5" in line for line in lines)
    table = render_ttd(res, [12, 24, 48])
    assert "a                        no     yes    yes    24 h" in table
    assert not (tmp_path / "unused").exists()


def test_stop_when_found_skips_later_horizons_and_a_failed_run_is_reported(tmp_path):
    truth = _truth(tmp_path)
    runner = _Runner(fail_at=_iso(ONSET_B) + timedelta(hours=12))
    base = RunOptions(input_dir=tmp_path, output_dir=tmp_path / "unused")
    res = time_to_detection(base, truth, [12, 24, 48], stop_when_found=True, run=runner)
    assert 48 not in res["a"]["by_hours"]  # found at 24 h
    assert res["b"]["by_hours"][12] == {
        "found": False,
        "error": "no reports in the window",
        "source": None,
        "until": (_iso(ONSET_B) + timedelta(hours=12)).isoformat(),
    }
    assert res["b"]["ttd_hours"] == 48


def test_found_reads_findings_else_attributions(tmp_path):
    runner = _Runner(with_findings=False)
    s = runner(
        RunOptions(
            input_dir=tmp_path, output_dir=tmp_path / "x", until=_iso(ONSET_A) + timedelta(hours=30)
        )
    )
    from joins.evaluate import _read_extract

    tables = _read_extract(s.db_path)
    assert "findings" not in tables
    hit = found(tables, [{"dimension": "sampler_build", "value": "s1"}])
    assert hit["source"] == "attributions" and hit["found"] and hit["rank"] == 1
    miss = found(tables, [{"dimension": "sampler_build", "value": "s2"}])
    assert not miss["found"] and miss["rank"] is None
    weak = found(tables, [{"dimension": "model", "value": "opus-3"}])  # rank 4: not found
    assert weak["rank"] == 4 and not weak["found"]
    assert [r["value"] for r in confident_rows(tables)] == ["s1"]  # rank 4 row excluded


def test_names_cause_needs_every_part_of_an_accepted_combination():
    pair = [{"dimension": "hardware & region", "value": "tpu & eu-west"}]
    assert names_cause({"dimension": "region & hardware", "value": "eu-west & tpu"}, pair)
    assert names_cause(
        {"dimension": "model & hardware & region", "value": "opus-3 & tpu & eu-west"}, pair
    )
    assert not names_cause({"dimension": "region", "value": "eu-west"}, pair)
    assert not names_cause({"dimension": "hardware & region", "value": "gpu & eu-west"}, pair)


def test_parse_hours():
    assert parse_hours("48, 12,24,12") == [12, 24, 48]
    for bad in ("", "12,x", "0,12", "-5"):
        with pytest.raises(ValueError, match="--until-hours"):
            parse_hours(bad)


def test_cli_errors_are_one_clear_line(tmp_path):
    truth = _truth(tmp_path)

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "pipeline.cli.main", "evaluate", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    p = cli("--truth", str(truth))
    assert p.returncode == 2 and "nothing to evaluate" in p.stderr
    p = cli("--truth", str(truth), "--until-hours", "12,24")
    assert p.returncode == 2 and "--until-hours needs --input" in p.stderr
    p = cli("--truth", str(truth), "--until-hours", "12,abc", "--input", str(tmp_path))
    assert p.returncode == 2 and "expected whole hours" in p.stderr
    p = cli("--truth", str(truth), "--until-hours", "12", "--input", str(tmp_path))
    assert p.returncode == 2 and "no feedback/" in p.stderr


@pytest.mark.slow
def test_cli_replays_a_tiny_scenario(tmp_path):
    """The real job, twice (onset + 24 and + 48 h), on the kernel scenario at scale 0.05."""
    from pipeline.replay.generate import simulate

    replay = tmp_path / "replay"
    simulate(replay, seed=2, scale=0.05, scenario="kernel")
    env = {"TRIAGE_PSEUDONYM_KEY": "ttd-test-key-0123456789abcdef", "HF_HUB_OFFLINE": "1"}
    import os

    p = subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", "evaluate", "--truth", str(replay / "truth"),
         "--input", str(replay), "--until-hours", "24,48", "--json", str(tmp_path / "r.json")],
        capture_output=True, text=True, timeout=600, env={**os.environ, **env},
    )  # fmt: skip
    assert p.returncode == 0, p.stderr[-2000:]
    assert "time to detection" in p.stdout and "kernel" in p.stdout
    res = json.loads((tmp_path / "r.json").read_text())["time_to_detection"]
    onset = _iso(json.loads((replay / "truth/causes.json").read_text())["kernel"]["onset"])
    assert set(res) == {"kernel"}  # the UI wave is not routed
    by = res["kernel"]["by_hours"]
    assert by["24"]["until"] == (onset + timedelta(hours=24)).isoformat()
    assert by["48"]["source"] in ("findings", "attributions")
    assert "evaluate: run 2" in p.stderr


def test_an_unrouted_bugs_cluster_still_raises_false_alarms(tmp_path):
    """A UI wave (routed: false) is not scored as a bug; a confident attribution in its
    cluster is a false alarm and a confident row naming no true cause."""
    import pyarrow.parquet as pq

    from joins.evaluate import evaluate_extract

    truth = _truth(tmp_path)  # overwrite its reports
    pq.write_table(
        pa.table({"report_id": ["r1", "r2", "r3"], "cause": ["a", "ui", "background"]}),
        truth / "reports.parquet",
    )
    reports = pa.table({"report_id": ["r1", "r2", "r3"], "cluster_id": ["c1", "c2", "c3"]})
    attributions = pa.table(
        {
            "cluster_id": ["c1", "c2", "c3"],
            "rank": [1, 1, 1],
            "dimension": ["sampler_build", "platform", "model"],
            "value": ["s1", "first_party", "opus-3"],
            "q_value": [1e-9, 1e-4, 0.3],
            "lift": [5.0, 2.5, 1.1],
            "reports": [30, 40, 9],
            "users": [20, 30, 9],
        }
    )
    res = evaluate_extract({"reports": reports, "attributions": attributions}, truth)
    assert res["bugs"]["a"]["found"]["found"] and res["bugs"]["a"]["routed"]
    assert res["bugs"]["ui"]["routed"] is False and res["bugs"]["ui"]["found"] is None
    assert [r["cluster_id"] for r in res["false_alarms"]] == ["c2"]
    assert [r["value"] for r in res["confident_unexplained"]] == ["first_party"]
    assert res["source"] == "attributions"
    assert res["bugs"]["b"]["found"]["found"] is False  # no report, no row: not found


def test_a_row_mostly_of_another_bugs_reports_does_not_count():
    """'1M tier & GPU sampler build' over misrouted reports names the sampler build, but it is
    the routing bug's finding: it does not find the sampler bug."""
    reports = pa.table(
        {
            "report_id": ["r1", "r2", "r3", "r4", "r5"],
            "cluster_id": ["c1", "c1", "c1", "c1", "c2"],
            "context_tier": ["long_1m", "long_1m", "long_1m", "standard", "standard"],
            "sampler_build": ["s1", "s1", "s1", "s1", "s1"],
        }
    )
    cause_of = {"r1": "routing", "r2": "routing", "r3": "sampler", "r4": "sampler",
                "r5": "sampler"}  # fmt: skip
    findings = pa.table(
        {
            "cluster_id": ["c1", None],
            "rank": [1, 2],
            "dimension": ["context_tier & sampler_build", "sampler_build"],
            "value": ["long_1m & s1", "s1"],
            "q_value": [1e-9, 0.2],
            "lift": [9.0, 1.5],
            "reports": [3, 5],
            "users": [3, 5],
            "deploy_id": [None, None],
        }
    )
    tables = {"reports": reports, "findings": findings}
    smp = [{"dimension": "sampler_build", "value": "s1"}]
    tier = [{"dimension": "context_tier", "value": "long_1m"}]
    assert found(tables, smp)["found"]  # without the truth: the combination counts
    hit = found(tables, smp, bug="sampler", cause_of=cause_of)
    assert not hit["found"] and hit["rank"] == 2 and hit["cluster_id"] is None
    assert found(tables, tier, bug="routing", cause_of=cause_of)["found"]
