"""The global step's columnar dedupe and gather against their per-record definitions (fast,
no models; synthetic ids and texts only)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.run.clustered import dedup_key, gather, keep_first_per_report, take_columns
from pipeline.run.spill import write_table


def _reference(records: list[dict]) -> list[dict]:
    """The per-record definition: per id the first record by dedup_key, then arrival."""
    kept: dict[str, dict] = {}
    for rec in records:
        other = kept.get(rec["report_id"])
        if other is None or dedup_key(rec) < dedup_key(other):
            kept[rec["report_id"]] = rec
    return [kept[k] for k in sorted(kept)]


RECORDS = st.lists(
    st.fixed_dictionaries(
        {
            "report_id": st.sampled_from(["a", "b", "é", "z", "ab", "B"]),
            "submitted_us": st.integers(0, 2),
            "comment_redacted": st.sampled_from([None, "", "x", "y", "ü"]),
            "response_redacted": st.sampled_from([None, "", "r"]),
            "n": st.integers(0, 10**6),  # tells copies with equal keys apart (arrival order)
        }
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(records=RECORDS)
def test_keep_first_per_report_is_the_per_record_definition(records):
    assert keep_first_per_report(records) == _reference(records)


def test_take_columns_is_take():
    table = pa.table({"a": [3, 1, 2], "b": ["x", None, "z"], "c": [[1], [], None]})
    idx = pa.array([2, 0])
    assert take_columns(table, idx).equals(table.take(idx))


@settings(max_examples=25, deadline=None)
@given(records=RECORDS, split=st.integers(1, 7))
def test_gather_reads_files_as_the_dedupe_of_their_records(tmp_path_factory, records, split):
    """Written in several files, read back: the kept records (in id order) with their own
    embeddings, the same as the definition applied to the files' records in path order."""
    folder = tmp_path_factory.mktemp("spill")
    for i, r in enumerate(records):
        r["embedding"] = np.array([i, -i], np.float32).tobytes()
    chunks = [records[i : i + split] for i in range(0, len(records), split)]
    paths = [write_table(str(folder), pa.Table.from_pylist(chunk)) for chunk in chunks]
    arrival = [r for path in sorted(paths) for r in chunks[paths.index(path)]]
    table, emb = gather([*paths, None])
    want = _reference(arrival)
    assert table.to_pylist() == [{k: v for k, v in r.items() if k != "embedding"} for r in want]
    assert [row.tobytes() for row in emb] == [r["embedding"] for r in want]
