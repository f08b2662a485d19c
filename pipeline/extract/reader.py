"""The one way a reader opens an extract it did not write: the dashboard and `triage query`.

The file is ATTACHed read-only to a private in-memory database rather than opened with
``duckdb.connect(path)``: DuckDB caches databases by path within a process, and after the
pipeline's ``os.replace`` that cache could hand back the previous file. File access is then
switched off and the configuration locked, so SQL run on the connection (investigators'
queries included) reads the extract and nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from joins.schemas import CONTRACT_VERSION

#: The tables every reader may rely on; others (e.g. ``deploys``, ``findings``) are used when
#: present, so tables added to the contract later do not make older extracts unreadable.
REQUIRED_TABLES: tuple[str, ...] = (
    "reports",
    "clusters",
    "attributions",
    "suspects",
    "cluster_timeseries",
    "quarantine",
    "runs",
)


class ExtractProblem(Exception):
    """The extract cannot be read; the message is one line meant for the on-call engineer."""


def _one_line(exc: BaseException, limit: int = 160) -> str:
    line = " ".join(str(exc).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def open_extract(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the extract at ``path`` (OUT/triage.duckdb), checked
    against the contract, with the extract's catalog in use and file access off.

    Raises:
        ExtractProblem: the file is missing, a directory, unreadable, not a DuckDB database,
            lacks the required tables, or was written under another contract version.
    """
    path = Path(path)
    if not path.exists():
        raise ExtractProblem(
            f"extract {path} does not exist: `triage run --input INPUT --output {path.parent}` "
            "builds one"
        )
    if path.is_dir():
        hint = " (pass OUT/triage.duckdb)" if (path / "triage.duckdb").exists() else ""
        raise ExtractProblem(f"extract {path} is a directory{hint}")
    if not os.access(path, os.R_OK):
        raise ExtractProblem(f"extract {path} is not readable")
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("ATTACH ? AS extract (READ_ONLY)", [str(path)])
        con.execute("USE extract")
    except duckdb.Error as exc:
        con.close()
        raise ExtractProblem(
            f"{path} cannot be read as a DuckDB extract ({type(exc).__name__}: {_one_line(exc)})"
        ) from None
    try:
        _check_contract(con, path)
        # Nothing below may change the session: no SET can switch file access back on.
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def _check_contract(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    present = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'extract'"
        ).fetchall()
    }
    missing = sorted(set(REQUIRED_TABLES) - present)
    if missing:
        raise ExtractProblem(
            f"{path} is not a triage extract of this version: it lacks the tables "
            f"{', '.join(missing)}. Rebuild it with `triage run`."
        )
    versions = sorted(
        str(r[0]) for r in con.execute("select distinct contract_version from runs").fetchall()
    )
    if versions != [CONTRACT_VERSION]:
        found = ", ".join(repr(v) for v in versions) or "none"
        raise ExtractProblem(
            f"{path} was written under data contract version {found}; this triage reads "
            f"version {CONTRACT_VERSION!r}. Rebuild the extract with this version's "
            "`triage run`."
        )
