"""Deploy records and the traffic table reach the attribution as side inputs, read once."""

from __future__ import annotations

import json

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline.run.inputs import ReadDeploys, ReadTraffic, read_deploys

GOOD = {"deploy_id": "d-1", "component": "lb", "started_at": "2025-08-05T17:00:00Z"}


def _deploys(tmp_path, lines: list[str]):
    (tmp_path / "deploys").mkdir(parents=True)
    (tmp_path / "deploys" / "d.jsonl").write_text("\n".join(lines) + "\n")


def test_bad_deploy_lines_are_skipped_and_counted_blank_lines_are_not(tmp_path, capsys):
    _deploys(
        tmp_path,
        [
            json.dumps(GOOD),
            "",
            "{not json",
            json.dumps({"component": "lb", "started_at": "2025-08-05T17:00:00Z"}),  # no id
            json.dumps({**GOOD, "deploy_id": "d-2", "started_at": "yesterday"}),
            json.dumps(["a", "list"]),
            json.dumps({**GOOD, "deploy_id": "d-3"}),
        ],
    )
    records = read_deploys(str(tmp_path))
    assert [r["deploy_id"] for r in records] == ["d-1", "d-3"]
    err = capsys.readouterr().err
    assert "4 lines skipped" in err


def test_no_message_when_every_line_is_a_deploy(tmp_path, capsys):
    _deploys(tmp_path, [json.dumps(GOOD)])
    assert len(read_deploys(str(tmp_path))) == 1
    assert "skipped" not in capsys.readouterr().err


def test_traffic_and_deploys_are_single_values_of_the_pipeline(tmp_path):
    _deploys(tmp_path, [json.dumps(GOOD)])
    (tmp_path / "traffic").mkdir()
    table = pa.table({"hour": [1, 2], "requests": [10, 20]})
    pq.write_table(table, tmp_path / "traffic" / "t.parquet")
    with TestPipeline() as p:
        traffic = p | "T" >> ReadTraffic(str(tmp_path))
        deploys = p | "D" >> ReadDeploys(str(tmp_path))
        assert_that(
            traffic | beam.Map(lambda t: (t.num_rows, t.column("requests").to_pylist())),
            equal_to([(2, [10, 20])]),
            label="traffic",
        )
        assert_that(
            deploys | beam.Map(lambda ds: [d["deploy_id"] for d in ds]),
            equal_to([["d-1"]]),
            label="deploys",
        )


def test_a_missing_traffic_folder_is_one_none(tmp_path):
    with TestPipeline() as p:
        traffic = p | ReadTraffic(str(tmp_path))
        assert_that(traffic | beam.Map(lambda t: t is None), equal_to([True]))
