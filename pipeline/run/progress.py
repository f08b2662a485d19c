"""Progress on long work: per-stage counts, elapsed time and rate, on stderr, rate-limited.

Only counts are printed, never a record.
"""

from __future__ import annotations

import os
import sys
import time


class Progress:
    """Counts items for one stage and prints at most every ``every_s`` seconds."""

    def __init__(self, stage: str, unit: str = "reports", every_s: float = 5.0):
        self.stage = stage
        self.unit = unit
        self.every_s = every_s
        self.count = 0
        self.start = time.monotonic()
        self.last = self.start
        self.last_tick = self.start
        self.quiet = os.environ.get("TRIAGE_QUIET") == "1"

    def tick(self, n: int = 1) -> None:
        self.count += n
        now = time.monotonic()
        self.last_tick = now
        if now - self.last >= self.every_s:
            self.last = now
            self._print(now)

    def done(self) -> None:
        # Measured to the last item, not to now: Beam calls teardown (where stages call
        # this) when the whole pipeline ends, long after the stage's own work.
        if self.count:
            self._print(self.last_tick, final=True)

    @classmethod
    def step(cls, stage: str, count: int, started: float, unit: str = "reports") -> None:
        """One final line for a step that handles everything at once (the global steps):
        ``count`` items since ``started`` (a ``time.monotonic()`` value)."""
        line = cls(stage, unit)
        line.start = started
        line.count = count
        line.done()

    def _print(self, now: float, final: bool = False) -> None:
        if self.quiet:
            return
        elapsed = now - self.start
        rate = self.count / elapsed if elapsed > 0 else 0.0
        tail = " (done)" if final else ""
        print(
            f"  [{self.stage}] {self.count:,} {self.unit}, {elapsed:.1f}s, {rate:,.0f}/s{tail}",
            file=sys.stderr,
            flush=True,
        )
