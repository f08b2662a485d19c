"""`row_owners` (columns) gives `row_owner` (a dict per report) for every row (synthetic)."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from joins.evaluate import row_owner, row_owners

VALS = st.sampled_from([None, "a", "b"])
REPORTS = st.lists(
    st.fixed_dictionaries(
        {"cluster_id": st.sampled_from([None, "c1", "c2"]), "pool": VALS, "region": VALS}
    ),
    min_size=1,
    max_size=25,
)
ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "cluster_id": st.sampled_from([None, "c1", "c2"]),
            "dimension": st.sampled_from(["pool", "region", "pool & region", "tier"]),
            "value": st.sampled_from(["a", "b", "a & b", "b & a"]),
        }
    ),
    min_size=1,
    max_size=6,
)
CAUSES = st.sampled_from([None, "background", "bug1", "bug2"])


@settings(max_examples=150, deadline=None)
@given(reports=REPORTS, rows=ROWS, causes=st.lists(CAUSES, min_size=25, max_size=25))
def test_same_owner_as_the_per_report_definition(reports, rows, causes):
    for i, r in enumerate(reports):
        r["report_id"] = f"r{i}"
    cause_of = {f"r{i}": c for i, c in enumerate(causes) if c is not None}
    table = pa.Table.from_pylist(reports)
    want = [row_owner(row, reports, cause_of) for row in rows]
    assert row_owners(rows, table, cause_of) == want


def test_with_the_findings_as_context_a_row_is_judged_on_what_explaining_away_left():
    """A build went onto a failing configuration's servers: most reports with the build's
    value are the configuration's bug's. Its run-wide finding, ranked after the
    configuration's, stands for the rest, which are the build's bug's."""
    import datetime as dt

    t0 = dt.datetime(2025, 8, 1, tzinfo=dt.UTC)
    hour = pa.timestamp("us", tz="UTC")
    specs = ([("cfg", "new", 25, "config_bug")] * 4 + [("cfg", "new", 25, "build_bug")] * 2
             + [("base", "new", 25, "build_bug")] * 3 + [("cfg", "old", 12, "config_bug")]
             + [("base", "new", 15, "config_bug")] * 4)  # fmt: skip
    reports = pa.table({
        "report_id": [f"r{i}" for i in range(len(specs))],
        "cluster_id": pa.array([None] * len(specs), pa.string()),
        "runtime_config": [s[0] for s in specs],
        "sampler_build": [s[1] for s in specs],
        "submitted_hour": pa.array([t0 + dt.timedelta(hours=s[2]) for s in specs], hour),
    })  # fmt: skip
    cause_of = {f"r{i}": s[3] for i, s in enumerate(specs)}
    rows = [
        {"cluster_id": None, "rank": 1, "dimension": "runtime_config", "value": "cfg",
         "onset": t0 + dt.timedelta(hours=10)},
        {"cluster_id": None, "rank": 2, "dimension": "sampler_build", "value": "new",
         "onset": t0 + dt.timedelta(hours=20)},
    ]  # fmt: skip
    assert row_owners(rows, reports, cause_of) == ["config_bug", "config_bug"]
    assert row_owners(rows, reports, cause_of, context=rows) == ["config_bug", "build_bug"]
    # The reports before a row's onset (four on the build at hour 15) are not its own.
    alone = [dict(rows[1], rank=1)]
    assert row_owners(alone, reports, cause_of, context=alone) == ["build_bug"]
    assert row_owners(alone, reports, cause_of) == ["config_bug"]
