"""Faults (issue 22 item 5): a killed worker, a failure while publishing and a retried
bundle never cost the previous extract or add a duplicate report; the re-run succeeds."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

from joins import schemas
from tests.conftest import TEST_KEY

REPO = Path(__file__).resolve().parents[2]

# Put on PYTHONPATH of a `triage run`, this makes the first SDK worker process (not the
# launcher) SIGKILL itself once it has loaded the redactor, i.e. mid-run with a bundle of
# reports in hand: a real kill of a real worker process, decided inside the worker only so
# that it always lands before the run can finish.
KILL_FIRST_WORKER = """
import os, signal, sys, threading, time
if os.environ.get("CONTROL_API_SERVICE_DESCRIPTOR"):  # set for SDK workers only
    def _kill_when_redacting():
        while "redaction.redactor" not in sys.modules:
            time.sleep(0.05)
        try:
            os.close(os.open(os.environ["KILL_MARKER"], os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return  # another worker was the one
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)
    threading.Thread(target=_kill_when_redacting, daemon=True).start()
"""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _state(out: Path) -> tuple:
    """What a reader of OUT sees: the DuckDB file's bytes, the Parquet link, the run id."""
    con = duckdb.connect(str(out / "triage.duckdb"), read_only=True)
    try:
        run_id = con.execute("select run_id from runs").fetchone()[0]
    finally:
        con.close()
    return _digest(out / "triage.duckdb"), os.readlink(out / "parquet"), run_id


def _run(input_dir: Path, out: Path, *extra: str, env_extra: dict | None = None):
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "TRIAGE_QUIET": "1"}
    env["TRIAGE_PSEUDONYM_KEY"] = TEST_KEY
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", "run", "--input", str(input_dir),
         "--output", str(out), *extra],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=900,
    )  # fmt: skip


def _error_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("triage run: error")]


@pytest.fixture(scope="module")
def tiny_replay(tmp_path_factory) -> Path:
    from pipeline.replay.generate import simulate

    out = tmp_path_factory.mktemp("faults-replay")
    simulate(out, seed=11, scale=0.01)
    return out


@pytest.mark.slow
def test_a_killed_worker_fails_the_run_in_one_line_and_keeps_the_previous_extract(
    tiny_replay, tmp_path
):
    out = tmp_path / "out"
    first = _run(tiny_replay, out)
    assert first.returncode == 0, first.stderr[-2000:]
    before = _state(out)

    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(KILL_FIRST_WORKER)
    marker = tmp_path / "killed"
    killed = _run(
        tiny_replay, out, "--runner", "multiprocess", "--workers", "2",
        env_extra={"PYTHONPATH": str(hook), "KILL_MARKER": str(marker)},
    )  # fmt: skip
    assert marker.exists(), "the hook did not kill a worker"
    assert killed.returncode == 2, killed.stderr[-3000:]
    errors = _error_lines(killed.stderr)
    assert len(errors) == 1 and "a worker process died" in errors[0], errors
    assert "previous extract is in place" in errors[0]
    assert _state(out) == before
    assert not list(out.glob(".staging-*")) and not list(out.glob(".parquet-*"))

    again = _run(tiny_replay, out, "--runner", "multiprocess", "--workers", "2")
    assert again.returncode == 0, again.stderr[-2000:]
    after = _state(out)
    assert after[2] != before[2]
    con = duckdb.connect(str(out / "triage.duckdb"), read_only=True)
    n_out, unique = con.execute(
        "select reports_out, (select count(distinct report_id) from reports) from runs"
    ).fetchone()
    assert n_out == unique > 100


@pytest.mark.slow
def test_a_failure_while_publishing_a_run_is_one_line_and_the_rerun_succeeds(
    tiny_replay, tmp_path, monkeypatch
):
    """In-process `job.run` (local runner) whose Parquet link swap fails: TriageError with
    one line, the previous extract as it was; then the same run publishes."""
    from pipeline.extract import publish as extract
    from pipeline.run import job
    from pipeline.run.options import RunOptions

    monkeypatch.setenv("TRIAGE_PSEUDONYM_KEY", TEST_KEY)
    monkeypatch.setenv("TRIAGE_QUIET", "1")
    out = tmp_path / "out"
    opts = RunOptions(input_dir=tiny_replay, output_dir=out)
    job.run(opts)
    before = _state(out)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(extract, "_swap_parquet_link", broken)
    with pytest.raises(extract.TriageError) as err:
        job.run(opts)
    assert str(err.value) == (
        "publishing failed (OSError); nothing published, the previous extract is in place"
    )
    assert _state(out) == before
    assert not list(out.glob(".staging-*"))
    monkeypatch.undo()
    monkeypatch.setenv("TRIAGE_PSEUDONYM_KEY", TEST_KEY)
    job.run(opts)
    assert _state(out)[2] != before[2]


def _tables() -> dict:
    from tests.extract import crafted

    tables = crafted.tables()
    for name, schema in schemas.EXTRACT_TABLES.items():
        tables.setdefault(name, schema.empty_table())
    return tables


@pytest.mark.parametrize("where", ["writing", "views", "link swap"])
def test_a_failure_while_publishing_leaves_the_previous_extract(tmp_path, monkeypatch, where):
    from pipeline.extract import publish as extract
    from pipeline.extract import views

    out = tmp_path / "out"
    extract.write_extract(out, _tables(), "run-old")
    before = _state(out)
    versions = sorted(p.name for p in (out / ".extracts").iterdir())

    def broken(*args, **kwargs):
        raise OSError("injected")

    if where == "writing":
        monkeypatch.setattr(extract, "SORT_KEYS", {})  # KeyError while creating the tables
    elif where == "views":
        monkeypatch.setattr(views, "create_views", broken)
    else:
        monkeypatch.setattr(extract, "_swap_parquet_link", broken)
    with pytest.raises((OSError, KeyError)):
        extract.write_extract(out, _tables(), "run-new")
    assert _state(out) == before  # the same DuckDB bytes, Parquet link and run
    assert sorted(p.name for p in (out / ".extracts").iterdir()) == versions
    assert not list(out.glob(".parquet-*"))
    monkeypatch.undo()
    extract.write_extract(out, _tables(), "run-new")  # the re-run publishes
    assert os.readlink(out / "parquet") != before[1]


def test_a_failed_first_publish_leaves_no_half_extract(tmp_path, monkeypatch):
    from pipeline.extract import publish as extract

    def broken(*args, **kwargs):
        raise OSError("injected")

    monkeypatch.setattr(extract, "_swap_parquet_link", broken)
    with pytest.raises(OSError):
        extract.write_extract(tmp_path, _tables(), "run-first")
    assert not (tmp_path / "triage.duckdb").exists() and not (tmp_path / "parquet").exists()


def _embedded(i: int, rng: np.random.Generator):
    from pipeline.run.records import Report

    vec = rng.normal(size=256).astype(np.float32)
    vec /= np.linalg.norm(vec)
    return Report(
        **{
            "report_id": f"r{i:03d}",
            "kind": "bug",
            "submitted_us": 1_756_659_900_000_000 + i,
            "submitted_hour_us": 1_756_659_600_000_000,
            "user_pseudonym": f"u{i % 7}",
            "session_pseudonym": None,
            "request_pseudonym": None,
            "surface": "api",
            "reported_model": None,
            "comment_redacted": f"synthetic complaint {i % 3}",
            "response_redacted": None,
            "tags": [],
            "truncated_fields": [],
            "symptoms": [],
            "symptom_evidence": "[]",
            "embedding": vec.tobytes(),
        }
    )


def _report_ids(clustered: dict) -> list[str]:
    """The report ids of the clustering step's value (its reports: dicts or an Arrow table)."""
    reports = clustered["reports"]
    if hasattr(reports, "column"):
        return sorted(reports.column("report_id").to_pylist())
    return sorted(r["report_id"] for r in reports)


def test_a_retried_bundle_adds_no_duplicate_report(tmp_path):
    """A runner that retries a bundle (Dataflow does, after a worker is lost) may deliver its
    records twice to the global step, and the failed attempt may leave a spill file behind.
    Simulated here: a third of the records arrive a second time in other bundles, and an
    orphan spill file of a failed attempt lies in the staging folder. The real clustering
    step keeps each report once, and the count the accounting checks is unchanged."""
    import apache_beam as beam
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner
    from apache_beam.testing.test_pipeline import TestPipeline
    from apache_beam.testing.util import assert_that, equal_to

    from pipeline.run.spill import write_records
    from pipeline.run.stages import ClusterReports, CountUniqueReports

    rng = np.random.default_rng(0)
    records = [_embedded(i, rng) for i in range(60)]
    retried = records[::3]
    write_records(str(tmp_path), retried)  # the failed attempt's orphan file: never read
    ids = sorted(r.report_id for r in records)
    with TestPipeline(runner=FnApiRunner()) as p:
        first = p | "First" >> beam.Create(records, reshuffle=True)
        again = p | "Retried" >> beam.Create(retried, reshuffle=True)
        delivered = (first, again) | beam.Flatten()
        clustered = delivered | ClusterReports(str(tmp_path), previous=None, random_state=0)
        out_ids = clustered | beam.Map(_report_ids)
        assert_that(out_ids, equal_to([ids]), label="each report once")
        unique = delivered | CountUniqueReports()
        assert_that(unique, equal_to([len(records)]), label="accounting count")
