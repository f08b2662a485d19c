"""A worker process that dies fails the run at once (the multiprocess runner), instead of
hanging it.

Beam's FnApiRunner in ``multi_processing`` mode starts each SDK worker as a subprocess and
waits for it in a thread; when a worker is killed (out of memory, SIGKILL, a crash in native
code) that thread raises into nowhere and the runner waits forever for the bundle the worker
held (seen with Beam 2.77: a `triage run --runner multiprocess` whose worker got SIGKILL
still hung after 5 minutes). `watch_subprocess_workers` makes the watcher thread answer every
pending and later instruction of that worker with an error response, the way a worker
reports a failed bundle, so the runner raises and `pipeline.job.run` ends the run with one
line (`WORKER_DIED` in it) and publishes nothing.

It reaches into two private parts of Beam's runner (``ControlConnection._futures_by_id`` and
``SubprocessSdkWorkerHandler.start_worker``'s body), checked on Beam 2.77;
tests/pipeline/test_faults.py kills a real worker and fails if this stops working.
"""

from __future__ import annotations

import threading

WORKER_DIED = "a worker process died"
_PATCHED = "_triage_watched"


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
    non-zero status (or is killed) fails its instructions instead of leaving them pending."""
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
                _fail_instructions(self.control_conn, f"{WORKER_DIED} ({detail})")

        self.worker_thread = threading.Thread(name="run_worker", target=run, daemon=True)
        self.worker_thread.start()

    cls.start_worker = start_worker
    setattr(cls, _PATCHED, True)
