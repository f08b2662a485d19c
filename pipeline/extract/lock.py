"""A run lock on an output directory: two runs never write the same extract at once.

`RunLock(OUT)` takes `filelock`'s exclusive, non-blocking lock on ``OUT/.triage.lock``
(``flock`` on Linux). A second run on the same directory gets `RunLocked` at once (the CLI
exits with `EX_TEMPFAIL`, 75: "try again later", which schedulers treat as a skipped, not a
failed, run), naming the holder from ``OUT/.triage.lock.holder`` (pid, host, start time: no
data).

Stale locks: the kernel drops a ``flock`` when its holder exits, however it exits (crash,
SIGKILL, node loss on local disk), so a lock file left behind never blocks the next run.
NFS: Linux maps ``flock`` onto NFS byte-range locks, which the server frees when the client's
lease ends. Object stores have no locks: there the scheduler's own guard
(Airflow ``max_active_runs=1``, CronJob ``concurrencyPolicy: Forbid``) is the lock.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import filelock

from pipeline.extract.publish import TriageError

LOCK_NAME = ".triage.lock"
HOLDER_SUFFIX = ".holder"
EX_TEMPFAIL = 75  # sysexits.h: temporary failure, the caller may retry later


class RunLocked(TriageError):
    """Another run holds the output directory's lock; this run was skipped, nothing written."""

    exit_code = EX_TEMPFAIL


class RunLock:
    """Exclusive lock on a directory for the length of a run (context manager or acquire/release).

    Args:
        directory: the output directory (created if missing).
        name: lock file name inside it.
    """

    def __init__(self, directory: Path, name: str = LOCK_NAME):
        self.directory = Path(directory)
        self.path = self.directory / name
        self.holder_path = self.directory / (name + HOLDER_SUFFIX)
        self._lock: filelock.BaseFileLock | None = None

    @property
    def held(self) -> bool:
        return self._lock is not None

    def acquire(self) -> RunLock:
        """Take the lock or raise `RunLocked` (without waiting). Returns self."""
        if self._lock is not None:
            raise RuntimeError("RunLock.acquire called twice")
        self.directory.mkdir(parents=True, exist_ok=True)
        # thread_local=False: a run may release from another thread than the one that locked.
        lock = filelock.FileLock(self.path, timeout=0, thread_local=False)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise RunLocked(
                f"output directory {self.directory} is locked by another run "
                f"({self._holder()}); this run was skipped"
            ) from None
        except OSError as exc:
            raise TriageError(
                f"cannot lock output directory {self.directory} ({exc.strerror})"
            ) from None
        since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.holder_path.write_text(f"pid {os.getpid()} on {socket.gethostname()} since {since}")
        self._lock = lock
        return self

    def release(self) -> None:
        """Drop the lock (idempotent)."""
        if self._lock is None:
            return
        lock, self._lock = self._lock, None
        try:
            self.holder_path.unlink(missing_ok=True)
        finally:
            lock.release(force=True)

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

    def __del__(self) -> None:  # a holder dropped by an exception still frees the lock
        self.release()

    def _holder(self) -> str:
        try:
            text = self.holder_path.read_text(encoding="ascii", errors="replace")[:200].strip()
        except OSError:
            text = ""
        return text or "holder unknown"
