"""The edges of the test statistics: the documented special cases and broadcasting.

What mutation testing showed the matching-scipy tests leave open: observed = 0 with p = 0,
probabilities outside [0, 1], scalar/array mixes, and the exact error for NaN.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from joins.stats import benjamini_hochberg, binomial_upper_tail


def test_nothing_observed_has_tail_one_even_at_p_zero():
    # "observed <= 0 gives 1" holds for every p, including p = 0 where the beta function
    # alone would not give 1.
    out = binomial_upper_tail(np.array([0.0, 0.0, -1.0]), np.array([10.0, 10.0, 10.0]), 0.0)
    np.testing.assert_array_equal(out, [1.0, 1.0, 1.0])
    assert binomial_upper_tail(0.0, 0.0, 0.5) == 1.0


def test_something_observed_at_p_zero_has_tail_zero():
    np.testing.assert_array_equal(binomial_upper_tail(np.array([1.0, 2.5]), 10.0, 0.0), [0, 0])


def test_probabilities_outside_zero_one_are_clipped():
    assert binomial_upper_tail(3.0, 10.0, -0.2) == 0.0
    assert binomial_upper_tail(3.0, 10.0, 1.7) == 1.0
    assert binomial_upper_tail(3.0, 10.0, 1.0) == 1.0


def test_observed_above_trials_counts_as_all_trials():
    # trials = max(trials, observed): 12 of "10" is 12 of 12
    assert binomial_upper_tail(12.0, 10.0, 0.5) == pytest.approx(0.5**12)


@pytest.mark.parametrize(
    ("k", "n", "p"),
    [
        (np.array([1.0, 2.0, 3.0]), 10.0, 0.2),
        (2.0, np.array([5.0, 10.0, 20.0]), 0.2),
        (2.0, 10.0, np.array([0.05, 0.2, 0.5])),
    ],
)
def test_any_one_array_argument_sets_the_shape(k, n, p):
    out = binomial_upper_tail(k, n, p)
    assert out.shape == (3,)
    kk, nn, pp = np.broadcast_arrays(k, n, p)
    np.testing.assert_allclose(out, stats.binom.sf(kk - 1, nn, pp), rtol=1e-9)


def test_bh_of_one_p_value_is_that_p_value():
    np.testing.assert_array_equal(benjamini_hochberg(np.array([0.03])), [0.03])
    assert benjamini_hochberg(np.array([])).shape == (0,)


def test_bh_nan_error_names_the_problem_exactly():
    with pytest.raises(ValueError, match=r"^p-values contain NaN$"):
        benjamini_hochberg(np.array([0.1, np.nan]))


def test_bh_checks_a_single_p_value_too():
    # One p-value is returned as it is, but only once it is known to be a probability.
    with pytest.raises(ValueError, match=r"^p-values contain NaN$"):
        benjamini_hochberg(np.array([np.nan]))
    with pytest.raises(ValueError):
        benjamini_hochberg(np.array([1.5]))


def test_bh_accepts_integer_p_values():
    # 0 and 1 are probabilities even when they arrive as integers (a list of ints).
    np.testing.assert_array_equal(benjamini_hochberg([1, 0, 1]), [1.0, 0.0, 1.0])
    assert benjamini_hochberg(np.array([0, 1])).dtype == np.float64
