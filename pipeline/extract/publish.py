"""Publishing the extract: audit, accounting, DuckDB + Parquet, atomic swap, owner-only files.

The pipeline leaves one Parquet file per table in a staging folder under OUT. `publish`
checks the run (accounting, residual-data audit), builds ``triage.duckdb`` and a Parquet copy
there, and swaps both in with one rename each: a reader sees the previous extract or the new
one, never half of one, and a reader holding the old file keeps working.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from joins import schemas
from pipeline.extract import views
from pipeline.run import locations
from pipeline.run.options import RunOptions

DB_NAME = "triage.duckdb"
PARQUET_LINK = "parquet"
KEEP_VERSIONS = 2
SORT_KEYS = {
    "reports": "report_id",
    "clusters": "cluster_id",
    "attributions": "cluster_id, rank, dimension, value",
    "suspects": "cluster_id nulls last, finding_id nulls last, score desc, deploy_id",
    "findings": "cluster_id nulls last, rank, finding_id",
    "finding_timeseries": "finding_id, hour",
    "cluster_timeseries": "cluster_id, hour",
    "quarantine": "source, line, reason",
    "traffic_hourly": "hour, dimension, value",
    "deploys": "started_at, deploy_id",
    "runs": "started_at",
}


class TriageError(Exception):
    """A fatal problem of a run, reported as one line (never quoting input data)."""


@dataclass
class RunSummary:
    run_id: str
    db_path: Path
    reports_in: int
    reports_out: int
    quarantined: int
    duplicates: int
    outside_window: int
    seconds: float
    audit: dict
    redactions: dict


def utcnow() -> datetime:
    return datetime.now(UTC)


def project_version() -> str:
    try:
        return version("feedback-triage")
    except PackageNotFoundError:
        return "unknown"


INPUT_FILES = (
    ("feedback", "*.jsonl"),
    ("routing", "*.parquet"),
    ("traffic", "*.parquet"),
    ("deploys", "*.jsonl"),
)


def check_inputs(opts: RunOptions) -> None:
    """The clear one-line errors for what makes a run impossible before it starts."""
    for where in (opts.input_dir, opts.staging_location):
        if where is not None and locations.is_url(where):
            problem = locations.filesystem_error(where)
            if problem:
                raise TriageError(f"{where}: {problem}")
    if locations.is_url(opts.input_dir):
        _check_remote_input(str(opts.input_dir))
    else:
        _check_local_input(Path(opts.input_dir))
    _check_output(opts)


def _check_local_input(inp: Path) -> None:
    if not inp.exists():
        raise TriageError(f"input directory {inp} does not exist")
    if not inp.is_dir():
        raise TriageError(f"input {inp} is not a directory")
    if not (inp / "feedback").is_dir():
        raise TriageError(f"input directory {inp} has no feedback/ folder")
    if not (inp / "routing").is_dir():
        raise TriageError(f"input directory {inp} has no routing/ folder (it may be empty)")
    for sub, pattern in INPUT_FILES:
        for path in sorted((inp / sub).glob(pattern)) if (inp / sub).is_dir() else []:
            if not os.access(path, os.R_OK):
                raise TriageError(f"input file {path} is not readable")
            if sub in ("routing", "traffic"):
                _check_parquet(str(path))


def _check_remote_input(inp: str) -> None:
    """An object store has no folders: the input is its files (feedback ones required)."""
    from pipeline.run.inputs import list_files  # deferred: Beam (seconds)

    found = {}
    for sub, pattern in INPUT_FILES:
        try:
            found[sub] = list_files(locations.join(inp, sub, pattern))
        except Exception as exc:  # noqa: BLE001 - the store's own error class varies
            raise TriageError(f"input {inp} cannot be listed ({type(exc).__name__})") from None
    if not found["feedback"]:
        raise TriageError(f"input {inp} has no feedback/*.jsonl files")
    for path in found["routing"] + found["traffic"]:
        _check_parquet(path)


def _check_parquet(path: str) -> None:
    from apache_beam.io.filesystems import FileSystems

    try:
        if locations.is_url(path):
            with FileSystems.open(path) as fh:  # seekable: only the footer is read
                pq.read_schema(fh)
        else:
            pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise TriageError(
            f"input file {path} is not a readable Parquet file ({type(exc).__name__})"
        ) from None


def _check_output(opts: RunOptions) -> None:
    out = Path(opts.output_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TriageError(f"output directory {out} cannot be created ({exc.strerror})") from None
    probe = out / f".write-probe-{uuid.uuid4().hex}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        raise TriageError(f"output directory {out} is not writable") from None
    if opts.since and opts.until and opts.since > opts.until:
        raise TriageError("--since is after --until")
    if opts.min_users < 1:
        raise TriageError("--min-users must be at least 1")


def previous_centroids(path: Path | None) -> dict | None:
    """{cluster_id: centroid} of a previous extract's published clusters, for stable ids."""
    if path is None:
        return None
    path = Path(path)
    if not path.exists():
        raise TriageError(f"previous extract {path} does not exist")
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "select cluster_id, centroid from clusters "
            "where centroid is not null and not is_background"
        ).fetchall()
    except duckdb.Error:
        raise TriageError(f"previous extract {path} has no cluster centroids") from None
    finally:
        con.close()
    import numpy as np

    return {cid: np.asarray(c, dtype=np.float32) for cid, c in rows}


def previous_first_seen(path: Path | None) -> dict | None:
    """{cluster_id: first_seen} of a previous extract's clusters: a cluster that keeps its id
    keeps its onset even when the earliest reports left this run's window."""
    if path is None:
        return None
    con = duckdb.connect(str(path), read_only=True)
    try:
        return dict(con.execute("select cluster_id, first_seen from clusters").fetchall())
    except duckdb.Error:
        return None
    finally:
        con.close()


def _audit_labels(clusters: pa.Table):  # noqa: ANN202 - (pa.Table, redaction.AuditResult)
    """The clusters with what the audit finds in their labels masked, and what it masked.
    Labels quote redacted comments the audit has already read; this is the last look."""
    from redaction.audit import audit_batch  # deferred: spaCy

    audited = audit_batch(clusters.column("label").to_pylist())
    if not audited.result.texts_with_findings:
        return clusters, audited.result
    index = clusters.schema.get_field_index("label")
    column = pa.array(audited.texts, type=clusters.schema.field(index).type)
    return clusters.set_column(index, clusters.schema.field(index), column), audited.result


def audit_failure(audit, budget: float) -> str | None:  # noqa: ANN001 - redaction.AuditResult
    """The one-line error for a run whose texts with findings pass ``budget`` (a share of
    texts), or None. Counts and types only: never a value."""
    if not audit.over_budget(budget):
        return None
    found = ", ".join(f"{k} {v}" for k, v in sorted(audit.counts.items()) if v)
    return (
        f"residual-data audit failed: {audit.texts_with_findings} of {audit.texts_scanned} "
        f"texts ({audit.share:.2%}) held personal data after redaction ({found}), above the "
        f"budget of {budget:.2%} of texts (--audit-budget): the redactor looks broken; "
        "nothing published, the previous extract is in place"
    )


def _truncated_reports(reports: pa.Table) -> int:
    """Reports with at least one field cut to the input limits (``truncated_fields``)."""
    if "truncated_fields" not in reports.column_names:
        return 0
    import pyarrow.compute as pc

    lengths = pc.fill_null(pc.list_value_length(reports.column("truncated_fields")), 0)
    return int(pc.sum(pc.greater(lengths, 0)).as_py() or 0)


def publish(opts: RunOptions, staging: str, started: datetime, seconds: float) -> RunSummary:
    """Check the staged run, write the extract beside OUT and swap it in."""
    counts = locations.read_staged_counts(staging)
    tables = {
        name: locations.read_staged_table(staging, name)
        for name in schemas.EXTRACT_TABLES
        if name != "runs"
    }
    quarantined = tables["quarantine"].num_rows
    valid, unique = counts.get("valid", 0), counts.get("unique", 0)
    duplicates = valid - unique
    outside = counts.get("outside_window", 0)
    reports_out = tables["reports"].num_rows
    reports_in = unique + quarantined
    if reports_out != unique:
        raise TriageError(
            f"accounting failed: {unique} unique valid reports in, "
            f"{reports_out} out; nothing published"
        )
    from redaction.audit import AuditResult  # deferred: spaCy

    # The audit masked what it found in the report texts as they were redacted
    # (pipeline.run.stages); the labels get the same here. The run fails only above the budget.
    tables["clusters"], label_audit = _audit_labels(tables["clusters"])
    audit_result = AuditResult.from_record(counts.get("audit")) + label_audit
    failure = audit_failure(audit_result, opts.audit_budget)
    if failure:
        raise TriageError(failure)
    audit = {**audit_result.as_record(), "budget": opts.audit_budget}
    run_id = f"run-{started.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    tables["runs"] = pa.Table.from_pylist(
        [
            {
                "run_id": run_id,
                "started_at": started,
                "finished_at": utcnow(),
                "reports_in": reports_in,
                "reports_out": reports_out,
                "quarantined": quarantined,
                "duplicates": duplicates,
                "outside_window": outside,
                "version": project_version(),
                "contract_version": schemas.CONTRACT_VERSION,
                "options": opts.describe(),
                "redactions": json.dumps(counts.get("redactions") or {}, sort_keys=True),
                "audit_findings": json.dumps(audit, sort_keys=True),
                "min_users": opts.min_users,
                "truncated_reports": _truncated_reports(tables["reports"]),
            }
        ],
        schema=schemas.RUNS,
    )
    write_extract(Path(opts.output_dir), tables, run_id)
    return RunSummary(
        run_id,
        Path(opts.output_dir) / DB_NAME,
        reports_in,
        reports_out,
        quarantined,
        duplicates,
        outside,
        seconds,
        audit,
        counts.get("redactions") or {},
    )


def write_extract(out: Path, tables: dict[str, pa.Table], run_id: str) -> None:
    """Write DuckDB + Parquet for ``tables`` and swap them in atomically (owner-only).

    A failure while writing leaves the previous extract as it was and removes the partial
    version; a failure between the two swaps (DuckDB file, then the Parquet link) puts the
    previous DuckDB file back (through a hard link taken before the swap), so readers never
    see the new DuckDB file beside the old Parquet copy.
    """
    version_dir = out / ".extracts" / run_id
    try:
        _write_version(version_dir, tables)
    except BaseException:
        shutil.rmtree(version_dir, ignore_errors=True)
        raise
    _swap_in(out, version_dir, run_id)
    _prune_versions(out / ".extracts", keep=KEEP_VERSIONS)


def _write_version(version_dir: Path, tables: dict[str, pa.Table]) -> None:
    """The DuckDB file and Parquet copy of one extract version, owner-only, not yet live."""
    (version_dir / PARQUET_LINK).mkdir(parents=True, mode=0o700)
    for folder in (version_dir.parent, version_dir, version_dir / PARQUET_LINK):
        os.chmod(folder, 0o700)
    tmp_db = version_dir / DB_NAME
    con = duckdb.connect(str(tmp_db))
    try:
        for name, table in tables.items():
            con.register("staged", table)
            con.execute(f'create table "{name}" as select * from staged order by {SORT_KEYS[name]}')
            con.unregister("staged")
            con.execute(
                f"copy \"{name}\" to '{version_dir / PARQUET_LINK / name}.parquet' (format parquet)"
            )
        views.create_views(con)
        con.execute("checkpoint")
    finally:
        con.close()
    for path in (version_dir / PARQUET_LINK).iterdir():
        os.chmod(path, 0o600)
    os.chmod(tmp_db, 0o600)


def _swap_in(out: Path, version_dir: Path, run_id: str) -> None:
    db = out / DB_NAME
    backup = version_dir / ".previous.duckdb"
    try:  # a second name for the previous file: the rollback if the link swap fails
        os.link(db, backup)
    except OSError:  # no previous extract (or no hard links on this filesystem)
        backup = None
    # The DuckDB file: one rename (atomic on POSIX). Readers with the old file open keep it.
    os.replace(version_dir / DB_NAME, db)
    try:
        _swap_parquet_link(out, version_dir, run_id)
    except BaseException:
        if backup is not None:
            os.replace(backup, db)
        elif not (out / PARQUET_LINK).exists():  # first extract: publish none rather than half
            db.unlink(missing_ok=True)
        shutil.rmtree(version_dir, ignore_errors=True)
        raise
    if backup is not None:
        backup.unlink(missing_ok=True)


def _swap_parquet_link(out: Path, version_dir: Path, run_id: str) -> None:
    """The Parquet copy: a symlink to this version's folder, replaced by one rename."""
    link_tmp = out / f".{PARQUET_LINK}-{run_id}"
    try:
        os.symlink(os.path.relpath(version_dir / PARQUET_LINK, out), link_tmp)
        if (out / PARQUET_LINK).exists() and not (out / PARQUET_LINK).is_symlink():
            shutil.rmtree(out / PARQUET_LINK)
        os.replace(link_tmp, out / PARQUET_LINK)
    finally:
        if link_tmp.is_symlink():
            link_tmp.unlink()


def _prune_versions(root: Path, keep: int) -> None:
    versions = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in versions[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
