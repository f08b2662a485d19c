import numpy as np
import pytest
from scipy import stats

from joins.stats import benjamini_hochberg, binomial_upper_tail


def test_binomial_tail_matches_scipy_on_integers():
    rng = np.random.default_rng(1)
    n = rng.integers(1, 200, 50)
    k = rng.integers(0, 200, 50) % (n + 1)
    p = rng.uniform(0.001, 0.9, 50)
    ours = binomial_upper_tail(k, n, p)
    ref = np.where(k > 0, stats.binom.sf(k - 1, n, p), 1.0)
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-14)


def test_binomial_tail_is_monotone_between_integers():
    vals = binomial_upper_tail(np.array([3.0, 3.5, 4.0]), np.array([20.0] * 3), 0.1)
    assert vals[0] > vals[1] > vals[2]


def test_bh_known_answer():
    # Worked by hand: q_(i) = min over j >= i of p_(j) * m / j, in the input's order.
    p = np.array([0.04, 0.01, 0.03, 0.5])
    np.testing.assert_allclose(benjamini_hochberg(p), [0.16 / 3, 0.04, 0.16 / 3, 0.5], rtol=1e-12)


def test_bh_is_monotone_and_bounded():
    rng = np.random.default_rng(2)
    p = np.concatenate([rng.uniform(size=300), rng.uniform(0, 1e-4, 20)])
    q = benjamini_hochberg(p)
    order = np.argsort(p)
    assert np.all(np.diff(q[order]) >= -1e-15)
    assert q.min() >= 0 and q.max() <= 1 and np.all(q >= p * (1 - 1e-12))


def test_bh_rejects_nan():
    with pytest.raises(ValueError, match="NaN"):
        benjamini_hochberg(np.array([0.1, np.nan]))
