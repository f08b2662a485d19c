"""Small Arrow helpers shared by the joins modules (hours, string columns, encodings).

Which columns are dimensions is decided in one place, `joins.schemas.dimension_columns`.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HOUR_US = 3_600_000_000  # microseconds in an hour: timestamps are handled as int64 us


def as_string(col: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    """Any string-like column as a plain ``string`` chunked array."""
    if isinstance(col, pa.Array):
        col = pa.chunked_array([col])
    if pa.types.is_dictionary(col.type):
        col = col.cast(col.type.value_type)
    if not pa.types.is_string(col.type):
        col = col.cast(pa.string())
    return col


def hours_of(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Timestamp column -> int64 hour numbers since the epoch (floor), as numpy.

    Naive timestamps are taken as UTC. Raises ValueError on nulls (hours are required).
    """
    if isinstance(col, pa.Array):
        col = pa.chunked_array([col])
    if not pa.types.is_timestamp(col.type):
        raise ValueError(f"expected a timestamp column, got {col.type}")
    if col.null_count:
        raise ValueError("timestamp column has nulls")
    us = pc.cast(col, pa.timestamp("us", tz=col.type.tz)).cast(pa.int64())
    return np.floor_divide(us.to_numpy(), HOUR_US)


def hour_timestamps(hours: np.ndarray) -> pa.Array:
    """int64 hour numbers -> UTC ``timestamp[us]`` array."""
    return pa.array(np.asarray(hours, dtype=np.int64) * HOUR_US, type=pa.int64()).cast(
        pa.timestamp("us", tz="UTC")
    )


def encode(col: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, list[str]]:
    """Dictionary-encode a string column: (int64 codes with -1 for null, sorted vocabulary).

    The vocabulary is sorted so codes do not depend on row order (determinism).
    """
    col = as_string(col)
    values = pc.unique(col).drop_null()
    values = pc.take(values, pc.sort_indices(values))
    codes = pc.fill_null(pc.index_in(col, value_set=values), -1)
    return codes.to_numpy().astype(np.int64), values.to_pylist()


def codes_in(col: pa.ChunkedArray | pa.Array, vocab: list[str]) -> np.ndarray:
    """int64 position of each value of a string-like column in ``vocab`` (-1: null, or a
    value the vocabulary lacks): a column coded like another table's `encode`."""
    codes = pc.fill_null(pc.index_in(as_string(col), value_set=pa.array(vocab, pa.string())), -1)
    return codes.to_numpy().astype(np.int64)
