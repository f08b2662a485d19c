"""Reading the contract's inputs in Beam: feedback with quarantine, routing with keyed ids.

Feedback files are read whole by one DoFn each so every bad line keeps its line number; raw
records stay inside the worker until `RedactReports` (no shuffle of raw text).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from joins import schemas
from joins.columns import as_string
from pipeline.run.options import KeySource
from pipeline.run.progress import Progress
from pipeline.run.tagged import split_by_tag
from pipeline.run.validate import DEFAULT_LIMITS, InputLimits, iter_feedback_lines, parse_timestamp
from redaction import Pseudonymizer

REPORTS = "reports"
QUARANTINE = "quarantine"
_PARTITION = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")
OUT_OF_WINDOW = "out_of_window"


def list_files(pattern: str) -> list[str]:
    """Paths matching a glob on any Beam filesystem, sorted (deterministic order).

    ``DIR/feedback/*.jsonl`` also finds date partitions, ``DIR/feedback/date=*/*.jsonl``.
    """
    head, _, name = pattern.rpartition("/")
    patterns = [pattern, f"{head}/date=*/{name}"]
    found: set[str] = set()
    for result in FileSystems.match(patterns):
        found.update(m.path for m in result.metadata_list)
    return sorted(found)


def prune_partitions(paths: list[str], since: datetime | None, until: datetime | None) -> list[str]:
    """Drop files in ``date=YYYY-MM-DD`` folders that lie wholly outside [since, until].

    One day of slack on each side keeps a report whose export landed in the neighbouring
    day's partition; files outside date partitions are always kept. The job still filters
    each report by its timestamp: pruning only saves reading (and quarantining) old files.
    """
    lo = (since - timedelta(days=1)).date() if since else None
    hi = (until + timedelta(days=1)).date() if until else None
    kept = []
    for path in paths:
        parts = path.replace("\\", "/").split("/")
        m = _PARTITION.match(parts[-2]) if len(parts) >= 2 else None
        if m:
            d = date.fromisoformat(m.group(1))
            if (lo and d < lo) or (hi and d > hi):
                continue
        kept.append(path)
    return kept


class _ParseFeedbackFile(beam.DoFn):
    def __init__(
        self,
        root: str,
        since: datetime | None,
        until: datetime | None,
        limits: InputLimits = DEFAULT_LIMITS,
        now: datetime | None = None,
    ):
        self.root = root.rstrip("/") + "/"
        self.since = since
        self.until = until
        self.limits = limits
        self.now = now

    def setup(self):
        self.progress = Progress("read feedback", unit="lines")

    def process(self, path: str) -> Iterator:
        source = path[len(self.root) :] if path.startswith(self.root) else path
        try:
            fh = FileSystems.open(path)
        except OSError as exc:
            yield (
                QUARANTINE,
                {"source": source, "line": 0, "reason": f"unreadable file ({type(exc).__name__})"},
            )
            return
        with fh:
            for lineno, record, reason in iter_feedback_lines(fh, self.limits, self.now):
                self.progress.tick()
                if record is None:
                    yield (QUARANTINE, {"source": source, "line": lineno, "reason": reason})
                    continue
                ts = record.submitted_at
                if (self.since and ts < self.since) or (self.until and ts > self.until):
                    yield (OUT_OF_WINDOW, 1)
                    continue
                yield (REPORTS, record)

    def teardown(self):
        self.progress.done()


class ReadFeedback(beam.PTransform):
    """feedback/*.jsonl -> {reports: valid raw records, quarantine: rows, out_of_window: 1s}.

    :param limits: size limits per line and field (`pipeline.run.validate.InputLimits`).
    :param now: the run's start; reports submitted more than a day after it are quarantined.
    """

    def __init__(
        self,
        input_dir: str,
        since: datetime | None,
        until: datetime | None,
        limits: InputLimits = DEFAULT_LIMITS,
        now: datetime | None = None,
    ):
        super().__init__()
        self.input_dir = input_dir.rstrip("/")
        self.since = since
        self.until = until
        self.limits = limits
        self.now = now

    def expand(self, pbegin):
        files = prune_partitions(
            list_files(f"{self.input_dir}/feedback/*.jsonl"), self.since, self.until
        )
        tagged = (
            pbegin
            | "ListFeedbackFiles" >> beam.Create(files)
            | "ParseAndValidate"
            >> beam.ParDo(
                _ParseFeedbackFile(self.input_dir, self.since, self.until, self.limits, self.now)
            )
        )
        return split_by_tag(tagged, (REPORTS, QUARANTINE, OUT_OF_WINDOW), "Split")


class _KeyRoutingFile(beam.DoFn):
    """One routing file -> one Arrow table keyed by request pseudonym (the raw request id is
    dropped here), cut down to the wanted requests when a set of them is given."""

    def __init__(self, key: KeySource, dimensions: list[str]):
        self.key = key
        self.dimensions = dimensions

    def setup(self):
        self.pseudonyms = Pseudonymizer(self.key.resolve())

    def process(self, path: str, wanted=None):
        from pipeline.run.joined import keyed_routing_schema  # deferred: scipy (worker)

        table = pq.read_table(FileSystems.open(path))
        pseudonyms = [
            None if rid is None else self.pseudonyms.pseudonym(rid, "request")
            for rid in table.column("request_id").to_pylist()
        ]
        keep = [p is not None and (wanted is None or p in wanted) for p in pseudonyms]
        ts = table.column("ts")
        if pa.types.is_timestamp(ts.type):
            ts = ts.cast(pa.timestamp("us", tz=ts.type.tz), safe=False).cast(pa.int64())
        schema = keyed_routing_schema(self.dimensions)
        columns = [pa.array(pseudonyms, pa.string()), ts.cast(pa.int64())]
        for d in self.dimensions:
            if d in table.column_names:
                columns.append(as_string(table.column(d)))
            else:
                columns.append(pa.nulls(table.num_rows, pa.string()))
        keyed = pa.Table.from_arrays(columns, schema=schema).filter(pa.array(keep, pa.bool_()))
        if keyed.num_rows:
            yield keyed


class ReadRouting(beam.PTransform):
    """routing/*.parquet -> Arrow tables (one per file) of request_pseudonym, ts (int
    microseconds) and every dimension as strings.

    :param wanted: optional singleton side input holding the set of request pseudonyms that
        have a report; rows of other requests are dropped where they are read, so only the
        few that can join leave the worker.
    """

    def __init__(
        self,
        input_dir: str,
        key: KeySource,
        dimensions: list[str],
        since: datetime | None = None,
        until: datetime | None = None,
        wanted=None,  # noqa: ANN001 - a Beam side input (AsSingleton of a set)
    ):
        super().__init__()
        self.input_dir = input_dir.rstrip("/")
        self.key = key
        self.dimensions = dimensions
        self.since = since
        self.until = until
        self.wanted = wanted

    def expand(self, pbegin):
        files = prune_partitions(
            list_files(f"{self.input_dir}/routing/*.parquet"), self.since, self.until
        )
        side = {} if self.wanted is None else {"wanted": self.wanted}
        return (
            pbegin
            | "ListRoutingFiles" >> beam.Create(files)
            | "KeyByRequestPseudonym"
            >> beam.ParDo(_KeyRoutingFile(self.key, self.dimensions), **side)
        )


class ReadTraffic(beam.PTransform):
    """traffic/*.parquet -> one value: the whole traffic table (None without a traffic folder).

    The attribution's denominators; a side input of `AttributeClusters`, so the step itself
    reads no file.
    """

    def __init__(self, input_dir: str):
        super().__init__()
        self.input_dir = input_dir

    def expand(self, pbegin):
        return (
            pbegin
            | "TrafficFolder" >> beam.Create([self.input_dir])
            | "ReadTrafficTable" >> beam.Map(read_table_dir, "traffic")
        )


class ReadDeploys(beam.PTransform):
    """deploys/*.jsonl -> one value: the list of deploy records (see `read_deploys`)."""

    def __init__(self, input_dir: str):
        super().__init__()
        self.input_dir = input_dir

    def expand(self, pbegin):
        return (
            pbegin
            | "DeploysFolder" >> beam.Create([self.input_dir])
            | "ReadDeployRecords" >> beam.Map(read_deploys)
        )


def routing_dimensions(input_dir: str) -> list[str]:
    """Every string column of the routing log except request_id: the run's dimensions.

    Read from the Parquet footers only (cheap). Named dimensions first, then the others in
    the order the files declare them.
    """
    found: list[str] = []
    for path in list_files(f"{input_dir.rstrip('/')}/routing/*.parquet"):
        with FileSystems.open(path) as fh:
            schema = pq.read_schema(fh)
        for name in schemas.dimension_columns(schema):
            if name not in found:
                found.append(name)
    named = list(schemas.NAMED_DIMENSIONS)  # always columns of the extract, null if absent
    return named + [d for d in found if d not in named]


def read_table_dir(input_dir: str, sub: str) -> pq.Table | None:
    """All Parquet files of an optional input folder as one table (None when absent)."""
    import pyarrow as pa

    files = list_files(f"{input_dir.rstrip('/')}/{sub}/*.parquet")
    if not files:
        return None
    tables = []
    for path in files:
        with FileSystems.open(path) as fh:
            tables.append(pq.read_table(fh))
    return pa.concat_tables(tables, promote_options="default")


def read_deploys(input_dir: str) -> list[dict]:
    """deploys/*.jsonl as records with UTC datetimes.

    A line that is not a JSON object with a deploy_id and a valid started_at cannot be matched
    to an onset and is skipped; `triage run` reports how many (stderr, `deploys` progress).
    """
    out = []
    skipped = 0
    for path in list_files(f"{input_dir.rstrip('/')}/deploys/*.jsonl"):
        with FileSystems.open(path) as fh:
            for raw in fh:
                if not raw.strip():
                    continue
                try:
                    rec = json.loads(raw)
                except ValueError:
                    skipped += 1
                    continue
                started = parse_timestamp(rec.get("started_at")) if isinstance(rec, dict) else None
                if started is None or not rec.get("deploy_id"):
                    skipped += 1
                    continue
                row = {name: rec.get(name) for name in schemas.DEPLOYS.names}
                row["started_at"] = started
                row["finished_at"] = parse_timestamp(rec.get("finished_at"))
                out.append(row)
    if skipped:  # counts only: a deploy line holds no personal data, but say nothing more
        print(
            f"[read deploys] {skipped:,} lines skipped: not a deploy record with a deploy_id "
            "and an RFC 3339 started_at",
            file=sys.stderr,
            flush=True,
        )
    return out
