"""Paths that may be object-store URLs (gs://, s3://, ...) as well as local folders.

A distributed runner's workers do not share the launcher's disk: the input they read and the
staging folder they write must be somewhere every worker and the launcher reach. Everything
here goes through Beam's FileSystems, so any scheme Beam has a filesystem for works (gs://
needs ``apache-beam[gcp]``), and a local path behaves as before. The extract itself (DuckDB)
is always written on the launcher's local disk.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems


def is_url(location: str | os.PathLike) -> bool:
    """True for ``scheme://...`` (other than file://), False for a local path."""
    scheme = FileSystems.get_scheme(str(location))
    return scheme is not None and scheme != "file"


def as_location(value: str) -> str | Path:
    """A CLI value as a location: URLs stay strings (Path would fold their ``//``)."""
    return value if is_url(value) else Path(value)


def join(base: str | os.PathLike, *parts: str) -> str:
    return FileSystems.join(str(base), *parts) if is_url(base) else os.path.join(base, *parts)


def filesystem_error(location: str | os.PathLike) -> str | None:
    """Why ``location``'s scheme cannot be used here (None when it can)."""
    try:
        FileSystems.get_filesystem(str(location))
    except ValueError:
        scheme = FileSystems.get_scheme(str(location))
        return (
            f"no filesystem for {scheme}:// is installed "
            "(e.g. pip install 'apache-beam[gcp]' for gs://)"
        )
    return None


def new_staging(output_dir: Path, staging_location: str | os.PathLike | None = None) -> str:
    """A fresh, empty staging folder: under ``staging_location`` when given (a URL every
    worker reaches, for distributed runners), else ``OUT/.staging-<id>`` (owner-only)."""
    name = f".staging-{uuid.uuid4().hex[:12]}"
    if staging_location is not None and is_url(staging_location):
        return join(staging_location, name.lstrip("."))
    base = Path(staging_location) if staging_location is not None else Path(output_dir)
    staging = base / name
    staging.mkdir(mode=0o700, parents=True)
    return str(staging)


def remove_staging(staging: str) -> None:
    if not is_url(staging):
        shutil.rmtree(staging, ignore_errors=True)
        return
    try:
        FileSystems.delete([staging.rstrip("/") + "/"])
    except Exception:  # noqa: BLE001 - nothing there (a failed run) or already gone
        pass


def write_staged(staging: str, tables: dict[str, pa.Table], counts: dict) -> None:
    """One Parquet file per table and counts.json into ``staging`` (any filesystem)."""
    if not is_url(staging):
        os.makedirs(staging, exist_ok=True)
    for name, table in tables.items():
        with FileSystems.create(join(staging, f"{name}.parquet")) as fh:
            pq.write_table(table, fh)
    with FileSystems.create(join(staging, "counts.json")) as fh:
        fh.write(json.dumps(counts, sort_keys=True).encode())


def read_staged_counts(staging: str) -> dict:
    with FileSystems.open(join(staging, "counts.json")) as fh:
        return json.loads(fh.read().decode())


def read_staged_table(staging: str, name: str) -> pa.Table:
    path = join(staging, f"{name}.parquet")
    if not is_url(path):
        return pq.read_table(path)  # memory-mapped by Arrow, no extra copy
    with FileSystems.open(path) as fh:
        return pq.read_table(pa.BufferReader(fh.read()))
