"""bench/compare_extracts.py: the refactor proof says `identical` only when every relation is."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import duckdb

from tests.extract import crafted

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    spec = importlib.util.spec_from_file_location(
        "compare_extracts", ROOT / "bench/compare_extracts.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_two_runs_of_the_same_tables_are_identical_and_one_changed_row_is_not(tmp_path, capsys):
    tool = _tool()
    # Two writes with different run ids and clocks, as two runs of the same input would be.
    first = crafted.write(tmp_path / "first", run_id="run-a")
    second = crafted.write(tmp_path / "second", run_id="run-b")
    assert tool.main([str(first), str(second)]) == 0
    assert capsys.readouterr().out.strip().endswith("identical")

    changed = tmp_path / "changed.duckdb"
    shutil.copy(second, changed)
    with duckdb.connect(str(changed)) as con:
        con.execute(
            "update clusters set n_reports = n_reports + 1 where cluster_id = "
            "(select min(cluster_id) from clusters)"
        )
    verdicts = dict((name, verdict) for name, _, verdict in tool.compare(str(first), str(changed)))
    assert verdicts["clusters"] == "1 rows differ"
    assert verdicts["reports"] == "same"
    assert tool.main([str(first), str(changed)]) == 1
