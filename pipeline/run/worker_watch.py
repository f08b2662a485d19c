"""A worker process that dies fails the run at once (the multiprocess runner), instead of
hanging it.

Beam's FnApiRunner in ``multi_processing`` mode starts each SDK worker as a subprocess and
waits for it in a thread; when a worker is killed (out of memory, SIGKILL, a crash in native
code) that thread raises into nowhere and the runner waits forever for the bundle the worker
held (seen with Beam 2.77: a `triage run --runner multiprocess` whose worker got SIGKILL
still hung after 5 minutes). `watch_subprocess_workers` makes the watcher thread answer every
pending and later instruction of that worker with an error response, the way a worker
reports a failed bundle, so the runner raises and `pipeline.run.job.run` ends the run with one
line (`WORKER_DIED` in it) and publishes nothing. The runner then closes the other workers,
which may hold a bundle of the failed stage and never exit: once a worker has died, closing
kills the SDK worker processes still running under this process (found through /proc, so
on Linux; elsewhere that last step is skipped).

It reaches into two private parts of Beam's runner (``ControlConnection._futures_by_id`` and
``SubprocessSdkWorkerHandler.start_worker``'s body), checked on Beam 2.77;
tests/pipeline/test_faults.py kills a real worker and fails if this stops working.
"""

from __future__ import annotations

import os
import signal
import threading

WORKER_DIED = "a worker process died"
_PATCHED = "_triage_watched"
_DEATHS: list[str] = []  # what ended each worker that died in this process's current run


def deaths() -> list[str]:
    """How each SDK worker that died since `watch_subprocess_workers` was last called ended."""
    return list(_DEATHS)


def reset() -> None:
    """Forget the deaths of a previous run in this process (call before each run)."""
    _DEATHS.clear()


def _worker_pids() -> list[int]:
    """SDK worker processes (and their shells) under this process, from /proc (Linux)."""
    try:
        entries = [int(e) for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return []
    parent: dict[int, int] = {}
    command: dict[int, bytes] = {}
    for pid in entries:
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                parent[pid] = int(fh.read().rsplit(b")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                command[pid] = fh.read()
        except (OSError, ValueError, IndexError):
            continue
    me = os.getpid()

    def below_me(pid: int) -> bool:
        for _ in range(64):
            pid = parent.get(pid, 0)
            if pid == me:
                return True
            if pid <= 1:
                return False
        return False

    return [p for p, cmd in command.items() if b"sdk_worker_main" in cmd and below_me(p)]


def _fail_instructions(conn, message: str) -> None:  # noqa: ANN001 - Beam's ControlConnection
    """Answer every pending instruction of ``conn`` with ``message`` as its error, and every
    instruction pushed to it from now on."""
    from apache_beam.portability.api import beam_fn_api_pb2

    def fail(future) -> None:  # noqa: ANN001
        if future is not None and not future.is_done():
            future.set(
                beam_fn_api_pb2.InstructionResponse(
                    instruction_id=future.instruction_id, error=message
                )
            )

    push = conn.push

    def push_to_dead_worker(req):  # noqa: ANN001, ANN202
        future = push(req)
        fail(future)
        return future

    conn.push = push_to_dead_worker
    for future in list(conn._futures_by_id.values()):
        fail(future)


def watch_subprocess_workers() -> None:
    """Patch Beam's subprocess worker handler (idempotent): a worker that exits with a
    non-zero status (or is killed) fails its instructions instead of leaving them pending.
    Call once per run, before it starts: it also forgets the deaths of a previous run."""
    reset()
    from apache_beam.runners.portability import local_job_service
    from apache_beam.runners.portability.fn_api_runner import worker_handlers

    cls = worker_handlers.SubprocessSdkWorkerHandler
    if getattr(cls, _PATCHED, False):
        return

    def start_worker(self) -> None:  # noqa: ANN001 - Beam's handler
        self.worker = local_job_service.SubprocessSdkWorker(
            self._worker_command_line, self.control_address, self.provision_info, self.worker_id
        )

        def run() -> None:
            try:
                self.worker.run()  # waits for the process; raises on a non-zero exit status
            except Exception as exc:  # noqa: BLE001 - any way the worker ended badly
                detail = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
                _DEATHS.append(detail)
                _fail_instructions(self.control_conn, f"{WORKER_DIED} ({detail})")

        self.worker_thread = threading.Thread(name="run_worker", target=run, daemon=True)
        self.worker_thread.start()

    def stop_worker(self) -> None:  # noqa: ANN001 - Beam's handler
        while True:
            self.worker_thread.join(timeout=2)
            if not self.worker_thread.is_alive():
                return
            if _DEATHS:  # the run failed: workers left with a bundle of it never finish
                for pid in _worker_pids():
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass

    cls.start_worker = start_worker
    cls.stop_worker = stop_worker
    setattr(cls, _PATCHED, True)
