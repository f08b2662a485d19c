"""Test statistics: one-sided binomial tail on (possibly fractional) counts, BH q-values."""

from __future__ import annotations

import numpy as np
from scipy import special, stats


def binomial_upper_tail(observed: np.ndarray, trials: np.ndarray, p: np.ndarray) -> np.ndarray:
    """P(X >= observed) for X ~ Binomial(trials, p), elementwise, for real-valued counts.

    Uses the identity P(X >= k) = I_p(k, n - k + 1) (regularized incomplete beta), which is
    exact for integers and extends continuously to the fractional user-equivalent counts the
    attribution tests on. ``observed <= 0`` gives 1; ``p <= 0`` with ``observed > 0`` gives 0.
    """
    k = np.asarray(observed, dtype=float)
    n = np.maximum(np.asarray(trials, dtype=float), k)
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    out = np.ones(np.broadcast(k, n, p).shape, dtype=float)
    pos = k > 0
    kk, nn, pp = np.broadcast_arrays(k, n, p)
    out[pos] = special.betainc(kk[pos], nn[pos] - kk[pos] + 1.0, pp[pos])
    return np.clip(out, 0.0, 1.0)


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values (step-up, monotone in p, in [0, 1]) for a 1-D array, by
    scipy's ``false_discovery_control``; an empty array gives an empty array, NaN an error."""
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return p.copy()
    if np.isnan(p).any():
        raise ValueError("p-values contain NaN")
    return np.clip(stats.false_discovery_control(p, method="bh"), 0.0, 1.0)


def poisson_upper_tail(observed: np.ndarray | float, mean: np.ndarray | float) -> np.ndarray:
    """P(X >= observed) for X ~ Poisson(mean), elementwise, for real-valued counts.

    P(X >= k) = P(k, mean), the regularized lower incomplete gamma function: exact for
    integers k >= 1 and continuous for the fractional user-equivalent counts. ``observed <=
    0`` gives 1; ``mean <= 0`` with ``observed > 0`` gives 0.
    """
    k = np.asarray(observed, dtype=float)
    mu = np.maximum(np.asarray(mean, dtype=float), 0.0)
    out = np.ones(np.broadcast(k, mu).shape, dtype=float)
    kk, mm = np.broadcast_arrays(k, mu)
    pos = kk > 0
    out[pos] = special.gammainc(kk[pos], mm[pos])
    return np.clip(out, 0.0, 1.0)
