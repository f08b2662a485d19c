import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from joins import dimension_columns, join_reports

TS = pa.timestamp("us", tz="UTC")


def t(h: int) -> dt.datetime:
    return dt.datetime(2025, 8, 1, h, tzinfo=dt.UTC)


@pytest.fixture
def routing() -> pa.Table:
    return pa.table(
        {
            "request_id": ["k1", "k2", "k2", "k3", "k4"],
            "ts": pa.array([t(1), t(2), t(5), t(1), t(3)], TS),
            "model": ["m1", "m2", "m3", "m4", "m1"],
            "server_pool": ["p1", "p2", "p3", "p1", "p2"],
            "sampler_build": ["s1", None, "s9", "s1", "s2"],  # a dimension the contract omits
            "latency_ms": [1, 2, 3, 4, 5],  # not a string: not a dimension
        }
    )


def test_left_join_latest_row_and_unjoined(routing):
    reports = pa.table(
        {
            "report_id": ["a", "b", "c", "d", "e"],
            "request_pseudonym": ["k2", "k1", None, "zz", "k2"],
        }
    )
    out = join_reports(reports, routing)
    assert out.column_names == [
        "report_id", "request_pseudonym", "model", "server_pool", "sampler_build", "joined"
    ]  # fmt: skip
    assert out.column("report_id").to_pylist() == ["a", "b", "c", "d", "e"]
    assert out.column("model").to_pylist() == ["m3", "m1", None, None, "m3"]
    assert out.column("sampler_build").to_pylist() == ["s9", "s1", None, None, "s9"]
    assert out.column("joined").to_pylist() == [True, True, False, False, True]
    assert out.column("joined").to_pylist().count(False) == 2


def test_join_is_independent_of_routing_order_and_replaces_columns(routing):
    reports = pa.table({"request_pseudonym": ["k2", "k4", "k3"], "model": ["old", "old", "old"]})
    perm = np.random.default_rng(0).permutation(routing.num_rows)
    a = join_reports(reports, routing)
    b = join_reports(reports, routing.take(perm))
    assert a.equals(b)
    assert a.column("model").to_pylist() == ["m3", "m1", "m4"]


def test_duplicate_rows_with_equal_ts_break_ties_on_values():
    routing = pa.table(
        {"request_id": ["k", "k"], "ts": pa.array([t(1), t(1)], TS), "model": ["b", "a"]}
    )
    out = join_reports(pa.table({"request_pseudonym": ["k"]}), routing)
    assert out.column("model").to_pylist() == ["a"]


def test_dictionary_columns_and_dimension_detection(routing):
    enc = routing.set_column(2, "model", routing.column("model").dictionary_encode())
    assert dimension_columns(enc.schema) == ["model", "server_pool", "sampler_build"]
    out = join_reports(pa.table({"request_pseudonym": ["k1"]}), enc)
    assert out.schema.field("model").type == pa.string()
    assert out.column("model").to_pylist() == ["m1"]


def test_missing_key_is_a_clear_error(routing):
    with pytest.raises(ValueError, match="request_pseudonym"):
        join_reports(pa.table({"x": ["k1"]}), routing)
    with pytest.raises(ValueError, match="request_id"):
        join_reports(pa.table({"request_pseudonym": ["k1"]}), routing.drop_columns(["request_id"]))
