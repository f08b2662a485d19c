"""bench/profile_job.py: py-spy's collapsed stacks summed by stage (synthetic samples)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _module():
    spec = importlib.util.spec_from_file_location("profile_job", ROOT / "bench/profile_job.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_samples_go_to_the_innermost_named_stage_per_process_kind(tmp_path):
    launcher = 'process 1:"python -m pipeline.cli.main run"'
    worker = f'{launcher};process 2:"python -m apache_beam.runners.worker.sdk_worker_main"'
    raw = tmp_path / "samples.txt"
    raw.write_text(
        "\n".join(
            [
                f"{worker};_RedactBatch.process (pipeline/run/stages.py:47);"
                "Redactor.redact_batch (redaction/redactor.py:154) 30",
                f"{worker};_RedactBatch.process (pipeline/run/stages.py:47);"
                "audit_texts (redaction/audit.py:175) 10",
                f"{worker};_RedactBatch.process (pipeline/run/stages.py:47);"
                "Redactor.redact_batch (redaction/redactor.py:154);"
                "Language.pipe (spacy/language.py:1536);_pipe (spacy/util.py:1763) 20",
                f"{worker};DataInputOperation.process_encoded (bundle_processor.py:263) 5",
                f"{launcher};publish (pipeline/extract/publish.py:200) 4",
                f"{launcher};something_else (x.py:1) 2",
            ]
        )
        + "\n"
    )
    out = _module().summarise(raw, rate=10)
    assert out["worker"] == {
        "redact: redactor": 3.0,
        "redact: spaCy NER": 2.0,
        "redact: audit": 1.0,
        "beam: element decoding": 0.5,
    }
    assert out["launcher"] == {"publish": 0.4, "other": 0.2}
