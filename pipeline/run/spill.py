"""Spill files: one bundle's embedded records, written where the global step reads them.

Every embedded record meets in one place for clustering. Sent through the runner, the
records are encoded, shipped, decoded, regrouped, encoded and shipped again (measured in
docs/pipeline.md, "Benchmark"). Instead each worker writes a
bundle's records to one Parquet file in the run's staging folder and sends only the file's
path; the clustering step reads the files. The staging folder is owner-only (or the
--staging-location every worker of a distributed runner reaches) and is deleted with the
run. The records hold redacted text and pseudonyms only, as the extract's own tables there do.

The global step reads the files as Arrow tables (`read_table`) and the embeddings as one
float32 matrix (`embedding_matrix`), never as a Python object per report: Python objects
take several times the memory of the columns at a million reports (docs/pipeline.md, "A
million reports").
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from pipeline.run import locations
from pipeline.run.records import Report, reports_from_table, reports_table

SPILL_DIR = "embedded"
EMBEDDING = "embedding"


def write_records(staging: str, records: Sequence[Report]) -> str:
    """Write ``records`` to a new file under ``staging`` (`SPILL_SCHEMA`); its path."""
    return write_table(staging, reports_table(records))


def write_table(staging: str, table: pa.Table) -> str:
    """Write ``table`` to a new spill file under ``staging``; its path."""
    folder = locations.join(staging, SPILL_DIR)
    if not locations.is_url(folder):
        os.makedirs(folder, exist_ok=True)
    path = locations.join(folder, f"{uuid.uuid4().hex}.parquet")
    with FileSystems.create(path) as fh:
        pq.write_table(table, fh)
    return path


def read_table(path: str, columns: Sequence[str] | None = None) -> pa.Table:
    """The records a `write_records` call wrote, as an Arrow table (``columns`` only, when
    given: Parquet reads just those)."""
    cols = list(columns) if columns is not None else None
    if locations.is_url(path):
        with FileSystems.open(path) as fh:
            return pq.read_table(pa.BufferReader(fh.read()), columns=cols)
    return pq.read_table(path, columns=cols)


def read_schema(path: str) -> pa.Schema:
    """The schema of a spill file (its footer only)."""
    if locations.is_url(path):
        with FileSystems.open(path) as fh:
            return pq.read_schema(pa.BufferReader(fh.read()))
    return pq.read_schema(path)


def read_records(path: str) -> list[Report]:
    """The records a `write_records` call wrote (tests and small files only)."""
    return reports_from_table(read_table(path))


def embedding_matrix(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A column of float32 embeddings stored as bytes (one per row, all the same length) ->
    an (n, d) float32 matrix, read from the Arrow buffers without a Python object per row."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    parts = []
    width = None
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        if chunk.null_count:
            raise ValueError("an embedding is missing")
        if pa.types.is_large_binary(chunk.type):
            chunk = chunk.cast(pa.binary())
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)
        offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1]
        sizes = np.diff(offsets)
        if width is None:
            width = int(sizes[0])
        if width % 4 or np.any(sizes != width):
            raise ValueError("embeddings of different lengths")
        data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
        parts.append(data.view(np.float32).reshape(len(chunk), width // 4))
    if not parts:
        return np.zeros((0, (width or 0) // 4), dtype=np.float32)
    return np.concatenate(parts) if len(parts) > 1 else parts[0].copy()
