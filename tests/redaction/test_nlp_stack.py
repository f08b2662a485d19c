"""spaCy and Presidio load without torch/transformers, and only on the loading thread."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

from redaction._nlp_stack import import_without

ROOT = Path(__file__).resolve().parents[2]


def _module(folder: Path, name: str, body: str) -> None:
    (folder / f"{name}.py").write_text(body, encoding="utf-8")


def test_the_redactor_loads_without_torch_or_transformers_which_import_afterwards() -> None:
    code = (
        "import sys; from redaction import Redactor; r = Redactor(); "
        "assert r.redact_batch(['mail ada@example.com'])[0].text == 'mail <EMAIL_ADDRESS>'; "
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules)); "
        "import torch; print('torch' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["[]", "True"]


def test_hidden_only_while_importing_and_only_on_that_thread(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    tag = uuid.uuid4().hex[:8]
    hidden_a, hidden_b, gate, probe = (
        f"{x}_{tag}" for x in ("hidden_a", "hidden_b", "gate", "probe")
    )
    _module(tmp_path, hidden_a, "VALUE = 1\n")
    _module(tmp_path, hidden_b, "VALUE = 2\n")
    _module(
        tmp_path,
        gate,
        "import threading\nentered = threading.Event()\nrelease = threading.Event()\n",
    )
    # An optional import, as thinc and Presidio write them, that waits for the test first.
    _module(
        tmp_path,
        probe,
        f"import {gate} as gate\ngate.entered.set()\ngate.release.wait(30)\n"
        f"try:\n    import {hidden_a}\n    FOUND = True\nexcept ImportError:\n    FOUND = False\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    worker = threading.Thread(target=import_without, args=((hidden_a, hidden_b), [probe]))
    worker.start()
    gate_module = __import__(gate)
    assert gate_module.entered.wait(30)
    other_thread = __import__(hidden_b)  # while the guard is on, on another thread
    gate_module.release.set()
    worker.join(30)
    assert other_thread.VALUE == 2
    assert sys.modules[probe].FOUND is False  # the loading thread did not get it
    assert __import__(hidden_a).VALUE == 1  # and afterwards it imports normally
