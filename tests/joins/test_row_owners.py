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
