"""The record every per-record stage passes on, from redaction to the spill files.

`RedactReports` makes a `Report` from a contract record (the raw text ends there); the
symptom stage and the embedding stage each return a copy with their fields filled in
(`dataclasses.replace`); the spill files hold them as an Arrow table of `SPILL_SCHEMA`,
which is how the global steps read them. Redacted text and pseudonyms only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import pyarrow as pa

from joins import schemas


@dataclass(frozen=True, slots=True)
class Report:
    """One redacted report. Times are int microseconds since the epoch, UTC
    (`pipeline.run.epoch`); ``embedding`` is the float32 vector's bytes (Beam's coder writes
    bytes natively but pickles numpy arrays)."""

    report_id: str
    kind: str
    submitted_us: int
    submitted_hour_us: int
    user_pseudonym: str
    session_pseudonym: str | None
    request_pseudonym: str | None
    surface: str | None
    reported_model: str | None
    comment_redacted: str | None
    response_redacted: str | None
    tags: list[str] | None
    #: Fields the reader cut to the input limits (`pipeline.run.validate`).
    truncated_fields: list[str]
    #: Filled in by the symptom stage: names, and their evidence as a JSON list.
    symptoms: list[str] | None = None
    symptom_evidence: str | None = None
    #: Filled in by the embedding stage.
    embedding: bytes | None = None


#: Fields of `Report` that the extract's ``reports`` table does not have in this form.
_SPILL_ONLY = {
    "submitted_us": pa.int64(),
    "submitted_hour_us": pa.int64(),
    "embedding": pa.binary(),
}

#: A spill file's columns: `Report`'s fields, in order, typed as the contract's ``reports``
#: table types them (`joins.schemas.REPORTS_BASE`), all nullable while in flight.
SPILL_SCHEMA = pa.schema(
    [
        pa.field(f.name, _SPILL_ONLY.get(f.name) or schemas.REPORTS_BASE.field(f.name).type)
        for f in fields(Report)
    ]
)

_NAMES = tuple(f.name for f in fields(Report))


def reports_table(reports: Sequence[Report]) -> pa.Table:
    """``reports`` as an Arrow table of `SPILL_SCHEMA` (one column per field)."""
    return pa.table(
        {name: [getattr(r, name) for r in reports] for name in _NAMES}, schema=SPILL_SCHEMA
    )


def reports_from_table(table: pa.Table) -> list[Report]:
    """The `Report` records of a `reports_table` (tests and small tables only)."""
    return [Report(**row) for row in table.select(list(_NAMES)).to_pylist()]
