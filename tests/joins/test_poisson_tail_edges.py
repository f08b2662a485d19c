"""poisson_upper_tail at observed = 0 (issue 24: a mutation survivor): "observed <= 0 gives
1" holds whatever the mean, a mean of 0 included, where the incomplete gamma function itself
is undefined (NaN)."""

from __future__ import annotations

import numpy as np
import pytest

from joins.stats import poisson_upper_tail


@pytest.mark.parametrize("mean", [0.0, -1.0, 1e-12, 3.0])
def test_nothing_observed_is_certain_for_every_mean(mean):
    assert poisson_upper_tail(0, mean) == 1.0
    assert poisson_upper_tail(-0.5, mean) == 1.0


def test_elementwise_with_zero_means():
    tails = poisson_upper_tail(np.array([0, 0, 1, 2]), np.array([0.0, 2.0, 0.0, 0.0]))
    assert tails.tolist() == [1.0, 1.0, 0.0, 0.0]
    assert not np.isnan(tails).any()
