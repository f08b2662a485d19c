"""Spill files: one bundle's embedded records, written where the global step reads them.

Every embedded record meets in one place for clustering. Sent through the runner, the
records are encoded, shipped, decoded, regrouped, encoded and shipped again: ~16 s of the
100k-report run on 2 cores (docs/pipeline.md, "Benchmark"). Instead each worker writes a
bundle's records to one Parquet file in the run's staging folder and sends only the file's
path; the clustering step reads the files. The staging folder is owner-only (or the
--staging-location every worker of a distributed runner reaches) and is deleted with the
run. The records hold redacted text and pseudonyms only, as the extract's own tables there do.
"""

from __future__ import annotations

import os
import uuid

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from pipeline import locations

SPILL_DIR = "embedded"


def write_records(staging: str, records: list[dict]) -> str:
    """Write ``records`` (dicts with the same keys) to a new file under ``staging``; its path."""
    folder = locations.join(staging, SPILL_DIR)
    if not locations.is_url(folder):
        os.makedirs(folder, exist_ok=True)
    path = locations.join(folder, f"{uuid.uuid4().hex}.parquet")
    with FileSystems.create(path) as fh:
        pq.write_table(pa.Table.from_pylist(records), fh)
    return path


def read_records(path: str) -> list[dict]:
    """The records a `write_records` call wrote, as dicts with the same values."""
    if locations.is_url(path):
        with FileSystems.open(path) as fh:
            return pq.read_table(pa.BufferReader(fh.read())).to_pylist()
    return pq.read_table(path).to_pylist()
