"""The audit is a second line, not a kill switch (issue 18, item 3).

What the audit finds after redaction is masked in place and counted in ``runs``; the run fails
and publishes nothing only when the share of texts with findings passes ``--audit-budget``
(a broken redactor), leaving the previous extract in place. Fast tests call ``publish`` on a
hand-written staging folder; the slow ones run the real job on a tiny replay with a redactor
built without some of its recognizers. No assertion message or error quotes a found value.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from joins import schemas
from pipeline.cli.main import build_parser
from pipeline.extract.publish import DB_NAME, TriageError, publish
from pipeline.run import locations
from pipeline.run.options import RunOptions, audit_budget_share
from tests.extract import crafted

STARTED = datetime(2025, 8, 28, 6, tzinfo=UTC)
LEAK = "ana.silva@example.org"


def _stage(tmp_path, audit: dict, label: str | None = None) -> str:
    tables = crafted.tables()
    del tables["runs"]
    for name, schema in schemas.EXTRACT_TABLES.items():
        if name != "runs" and name not in tables:
            tables[name] = schema.empty_table()
    if label is not None:
        rows = tables["clusters"].to_pylist()
        rows[0]["label"] = label
        tables["clusters"] = pa.Table.from_pylist(rows, schema=schemas.CLUSTERS)
    tables["quarantine"] = schemas.QUARANTINE.empty_table()
    staging = str(tmp_path / f".staging-{len(list(tmp_path.iterdir()))}")
    locations.write_staged(
        staging, tables, {"valid": 20, "unique": 20, "redactions": {}, "audit": audit}
    )
    return staging


def _opts(tmp_path, **kw) -> RunOptions:
    return RunOptions(input_dir=tmp_path / "in", output_dir=tmp_path / "out", **kw)


def _runs(out) -> dict:
    con = duckdb.connect(str(out / DB_NAME), read_only=True)
    try:
        cur = con.execute("select * from runs")
        names = [d[0] for d in cur.description]
        (row,) = cur.fetchall()
        return dict(zip(names, row, strict=True))
    finally:
        con.close()


def _record(found: dict, texts: int, flagged: int) -> dict:
    return {"findings": found, "texts": texts, "texts_with_findings": flagged}


def test_findings_within_the_budget_publish_masked_and_counted(tmp_path):
    """3 report texts of 998 held something (masked where they were redacted) and one label
    holds an e-mail: 4 of 1,000 texts, within 0.5%, so the run publishes, the label masked."""
    staging = _stage(tmp_path, _record({"PHONE_NUMBER": 2, "PERSON": 1}, 998, 3), f"mail {LEAK}")
    opts = _opts(tmp_path, audit_budget=0.005)
    summary = publish(opts, staging, STARTED, 1.0)
    row = _runs(opts.output_dir)
    record = json.loads(row["audit_findings"])
    assert record["texts"] == 1000 and record["texts_with_findings"] == 4
    assert record["budget"] == 0.005
    assert {k: v for k, v in record["findings"].items() if v} == {
        "PHONE_NUMBER": 2,
        "PERSON": 1,
        "EMAIL_ADDRESS": 1,
    }
    assert summary.audit == record
    from pipeline.extract import summary as summary_text

    assert (
        "audit: masked 4 values the redactor left (EMAIL_ADDRESS 1, PERSON 1, PHONE_NUMBER 2) "
        "in 4 of 1,000 texts" in summary_text.render(summary)
    )
    labels = pq.read_table(opts.output_dir / "parquet" / "clusters.parquet").column("label")
    assert "mail <EMAIL_ADDRESS>" in labels.to_pylist()
    assert not any(LEAK in (v or "") for v in labels.to_pylist())


def test_above_the_budget_nothing_is_published_and_the_previous_extract_stays(tmp_path):
    first = publish(_opts(tmp_path), _stage(tmp_path, _record({}, 40, 0)), STARTED, 1.0)
    assert _runs(tmp_path / "out")["run_id"] == first.run_id
    # 1 report text in 998 (0.1%) plus the label: 2 of 1,000 = 0.2% > the default 0.1%.
    staging = _stage(tmp_path, _record({"PHONE_NUMBER": 1}, 998, 1), f"mail {LEAK}")
    with pytest.raises(TriageError) as failed:
        publish(_opts(tmp_path), staging, STARTED, 1.0)
    message = str(failed.value)
    assert message.startswith("residual-data audit failed: 2 of 1000 texts (0.20%)")
    assert "EMAIL_ADDRESS 1" in message and "PHONE_NUMBER 1" in message
    assert "budget of 0.10% of texts" in message and "nothing published" in message
    assert LEAK not in message and "silva" not in message
    assert _runs(tmp_path / "out")["run_id"] == first.run_id  # the previous extract


def test_the_default_budget_is_a_tenth_of_a_percent_of_texts():
    assert RunOptions(input_dir="x", output_dir="y").audit_budget == 0.001
    args = build_parser().parse_args(["run", "--input", "x", "--output", "y"])
    assert args.audit_budget == 0.001


@pytest.mark.parametrize(
    ("given", "share"), [("0.001", 0.001), ("0.1%", 0.001), ("2%", 0.02), ("0", 0.0), ("1", 1.0)]
)
def test_the_budget_is_a_fraction_or_a_percentage(given, share):
    assert audit_budget_share(given) == pytest.approx(share)
    args = build_parser().parse_args(
        ["run", "--input", "x", "--output", "y", "--audit-budget", given]
    )
    assert args.audit_budget == pytest.approx(share)


@pytest.mark.parametrize("given", ["2", "150%", "-0.1", "a lot"])
def test_a_budget_that_is_no_share_is_refused(given, capsys):
    with pytest.raises(ValueError):
        audit_budget_share(given)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--input", "x", "--output", "y", "--audit-budget", given])
    assert "--audit-budget" in capsys.readouterr().err


# -- the real job on a tiny replay --------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_replay(tmp_path_factory):
    """`triage simulate --scale 0.01` (about 190 reports, 380 texts, 90 with personal data)."""
    from pipeline.replay.generate import simulate

    out = tmp_path_factory.mktemp("tiny")
    simulate(out, seed=3, scale=0.01)
    return out


def _without(entities: set[str]):
    """A Redactor class whose registry lacks every recognizer of ``entities``."""
    from redaction import Redactor

    class Without(Redactor):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            registry = self.analyzer.registry
            registry.recognizers = [
                r for r in registry.recognizers if not entities & set(r.supported_entities)
            ]

    return Without


def _run_job(monkeypatch, replay, out, redactor_cls, budget: float):
    import redaction
    from pipeline.run import job

    monkeypatch.setattr(redaction, "Redactor", redactor_cls)  # read by the DoFn's setup
    monkeypatch.setenv("TRIAGE_PSEUDONYM_KEY", "audit-policy-test-key-0123456789")
    opts = RunOptions(input_dir=replay, output_dir=out, runner="local", audit_budget=budget)
    return job.run(opts)


def _truth(replay, entity: str, report_ids: set[str]) -> list[str]:
    rows = pq.read_table(replay / "truth" / "pii.parquet").to_pylist()
    return [r["value"] for r in rows if r["entity_type"] == entity and r["report_id"] in report_ids]


def _texts(out) -> list[str]:
    reports = pq.read_table(out / "parquet" / "reports.parquet")
    clusters = pq.read_table(out / "parquet" / "clusters.parquet")
    values = (
        reports.column("comment_redacted").to_pylist()
        + reports.column("response_redacted").to_pylist()
        + clusters.column("label").to_pylist()
    )
    return [v for v in values if v]


@pytest.mark.slow
def test_a_redactor_that_leaks_a_handful_publishes_masked_then_a_broken_one_fails(
    monkeypatch, tiny_replay, tmp_path
):
    """Without its card recognizer the redactor leaks the replay's ~10 cards: the audit
    (Luhn) masks each and the run publishes them counted, as a share of texts within 5%.
    Then a redactor without its name, phone and e-mail recognizers leaks in far more texts:
    that run fails, publishes nothing and the first extract stays."""
    from redaction import entities as E

    out = tmp_path / "out"
    summary = _run_job(monkeypatch, tiny_replay, out, _without({E.CREDIT_CARD}), 0.05)
    row = _runs(out)
    record = json.loads(row["audit_findings"])
    ids = set(pq.read_table(out / "parquet" / "reports.parquet").column("report_id").to_pylist())
    cards = _truth(tiny_replay, E.CREDIT_CARD, ids)
    assert len(cards) >= 3
    assert json.loads(row["redactions"]).get(E.CREDIT_CARD, 0) == 0  # the redactor lacked it
    assert record["findings"][E.CREDIT_CARD] == len(cards)
    assert 0 < record["texts_with_findings"] <= 0.05 * record["texts"]
    blob = "\n".join(_texts(out))
    assert sum(1 for card in cards if card in blob) == 0
    assert blob.count("<CREDIT_CARD>") >= len(cards)

    broken = _without({E.PERSON, E.PHONE_NUMBER, E.EMAIL_ADDRESS})
    with pytest.raises(TriageError) as failed:
        _run_job(monkeypatch, tiny_replay, out, broken, 0.05)
    message = str(failed.value)
    assert message.startswith("residual-data audit failed:") and "nothing published" in message
    leaked = [
        v
        for kind in (E.PERSON, E.PHONE_NUMBER, E.EMAIL_ADDRESS)
        for v in _truth(tiny_replay, kind, ids)
    ]
    assert sum(1 for v in leaked if v in message) == 0
    assert _runs(out)["run_id"] == summary.run_id  # the previous extract is in place
    assert not list(out.glob(".staging-*"))
