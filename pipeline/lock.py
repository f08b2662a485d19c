"""A run lock on an output directory: two runs never write the same extract at once.

`RunLock(OUT)` takes an exclusive, non-blocking ``flock`` on ``OUT/.triage.lock``. A second
run on the same directory gets `RunLocked` at once (the CLI exits with `EX_TEMPFAIL`, 75:
"try again later", which schedulers treat as a skipped, not a failed, run).

Stale locks: the kernel drops a ``flock`` when its holder exits, however it exits (crash,
SIGKILL, node loss on local disk), so a lock file left behind never blocks the next run; the
file is kept (never unlinked, which would let two runs lock two different inodes) and only
its informational content (pid, host, start time: no data) is rewritten by each holder.
NFS: Linux maps ``flock`` onto NFS byte-range locks, which the server frees when the client's
lease ends. Object stores have no locks: there the scheduler's own guard
(Airflow ``max_active_runs=1``, CronJob ``concurrencyPolicy: Forbid``) is the lock.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

from pipeline.extract import TriageError

LOCK_NAME = ".triage.lock"
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
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> RunLock:
        """Take the lock or raise `RunLocked` (without waiting). Returns self."""
        if self._fd is not None:
            raise RuntimeError("RunLock.acquire called twice")
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _read_holder(fd)
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise RunLocked(
                    f"output directory {self.directory} is locked by another run ({holder}); "
                    "this run was skipped"
                ) from None
            raise TriageError(
                f"cannot lock output directory {self.directory} ({exc.strerror})"
            ) from None
        since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        info = f"pid {os.getpid()} on {socket.gethostname()} since {since}"
        os.ftruncate(fd, 0)
        os.pwrite(fd, info.encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Drop the lock (idempotent). The file stays; see the module docstring."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

    def __del__(self) -> None:  # a holder dropped by an exception still frees the lock
        self.release()


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 200, 0).decode("ascii", errors="replace").strip()
    except OSError:
        text = ""
    return text or "holder unknown"
