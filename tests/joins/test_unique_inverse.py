"""`joins.findings.unique_inverse`: np.unique's three arrays, by counting or by sorting."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from joins.findings import unique_inverse

VALUES = st.one_of(
    hnp.arrays(np.int64, st.integers(1, 200), elements=st.integers(-5, 300)),  # counted
    hnp.arrays(np.int32, st.integers(1, 50), elements=st.integers(0, 2**30)),  # wide: sorted
    hnp.arrays(np.float64, st.integers(0, 20), elements=st.floats(-1, 1)),  # not integers
)


@given(values=VALUES)
def test_same_arrays_as_np_unique(values):
    got = unique_inverse(values)
    want = np.unique(values, return_inverse=True, return_counts=True)
    assert got[0].dtype == want[0].dtype
    for g, w in zip(got, (want[0], want[1].reshape(-1), want[2]), strict=True):
        assert np.array_equal(g, w)
