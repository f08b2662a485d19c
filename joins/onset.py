"""Change points on an hourly count series with exposures (Poisson binary segmentation)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Segment:
    """Hours [start, stop) (indices into the series) with a constant Poisson rate."""

    start: int
    stop: int
    count: float
    exposure: float

    @property
    def rate(self) -> float:
        return self.count / self.exposure if self.exposure > 0 else 0.0


def _loglik(count: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """Maximised Poisson log-likelihood of a segment, up to terms that cancel in ratios."""
    c = np.asarray(count, dtype=float)
    e = np.asarray(exposure, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = np.where((c > 0) & (e > 0), c * np.log(c / e) - c, 0.0)
    return ll


def _best_split(y: np.ndarray, e: np.ndarray, min_size: int) -> tuple[int, float]:
    """Best single split point of y (index of the first hour after it) and its log LR."""
    n = len(y)
    if n < 2 * min_size:
        return -1, 0.0
    cy, ce = np.cumsum(y), np.cumsum(e)
    taus = np.arange(min_size, n - min_size + 1)
    left = _loglik(cy[taus - 1], ce[taus - 1])
    right = _loglik(cy[-1] - cy[taus - 1], ce[-1] - ce[taus - 1])
    llr = left + right - _loglik(cy[-1], ce[-1])
    i = int(np.argmax(llr))
    return int(taus[i]), float(llr[i])


def segment(
    counts: np.ndarray,
    exposure: np.ndarray | None = None,
    *,
    min_size: int = 3,
    penalty: float | None = None,
    max_segments: int = 8,
) -> list[Segment]:
    """Binary segmentation of an hourly Poisson series into constant-rate segments.

    Args:
        counts: (H,) reports per hour. exposure: (H,) requests per hour (None = 1 each;
            hours with no exposure are given the median exposure so gaps do not split).
        min_size: fewest hours in a segment. penalty: log likelihood ratio a split must
            exceed (default 3 * ln H, a BIC-like bound). max_segments: cap.

    Returns:
        Segments in time order covering [0, H).
    """
    y = np.asarray(counts, dtype=float)
    n = len(y)
    if n == 0:
        return []
    if exposure is None:
        e = np.ones(n)
    else:
        e = np.asarray(exposure, dtype=float).copy()
        bad = ~np.isfinite(e) | (e <= 0)
        fill = np.median(e[~bad]) if (~bad).any() else 1.0
        e[bad] = fill
    pen = 3.0 * np.log(max(n, 2)) if penalty is None else float(penalty)
    bounds = [0, n]
    while len(bounds) - 1 < max_segments:
        best = (0.0, -1)
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            tau, llr = _best_split(y[a:b], e[a:b], min_size)
            if tau > 0 and llr > pen and llr > best[0]:
                best = (llr, a + tau)
        if best[1] < 0:
            break
        bounds = sorted([*bounds, best[1]])
    return [
        Segment(a, b, float(y[a:b].sum()), float(e[a:b].sum()))
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]


def upward_changes(segments: list[Segment], *, rise: float = 2.0) -> list[int]:
    """Start indices of segments whose rate exceeds the previous segment's by ``rise``x."""
    out = []
    for prev, seg in zip(segments[:-1], segments[1:], strict=True):
        if seg.rate > rise * prev.rate and seg.count > 0:
            out.append(seg.start)
    return out


def onset_and_end(
    counts: np.ndarray,
    exposure: np.ndarray | None = None,
    *,
    min_size: int = 3,
    penalty: float | None = None,
    rise: float = 2.0,
    drop: float = 0.5,
) -> tuple[list[int], int | None]:
    """Upward change points (first = onset) and the end of the elevated period.

    Returns:
        (upward change indices in time order, end index or None). With no change point the
        onset is the first hour with a report. ``end`` is the start of the first segment
        after the peak from which every later segment's rate is below ``drop`` x the peak
        rate (None when the series ends elevated).
    """
    y = np.asarray(counts, dtype=float)
    if y.sum() <= 0:
        return [], None
    segs = segment(y, exposure, min_size=min_size, penalty=penalty)
    ups = upward_changes(segs, rise=rise)
    if not ups:
        ups = [int(np.nonzero(y > 0)[0][0])]
    peak = max(range(len(segs)), key=lambda i: segs[i].rate)
    end = None
    for i in range(peak + 1, len(segs)):
        if all(s.rate < drop * segs[peak].rate for s in segs[i:]):
            end = segs[i].start
            break
    return ups, end
