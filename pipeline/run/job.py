"""`triage run`: the whole job as one Beam batch pipeline, top to bottom like the data flow.

    feedback ─► validate ─► redact ─► symptoms ─► embed ─► dedupe + cluster ─► join ─► attribute
      (bad lines ─► quarantine)         │                                    ▲          │
                                        ├─► request ids with a report ─┐     │          ▼
                                        └─► count distinct report ids  │     │         out
    routing ─► key request ids ─► keep the reported ones ◄─────────────┘ ────┘
    traffic, deploys ─► one table, one list ─────────────────────────► (side inputs of attribute)

Reading, redaction, symptoms and embedding run fused, record by record, on every worker;
nothing is shuffled between them. Deduplication, clustering, the join and the attribution
are the global steps: they run one after the other on one value (every report), with the
routing rows of the reported requests as a side input. The count of distinct report ids is
taken apart from them (only ids are shuffled), so the accounting at publish checks that path.

Raw text exists only between `ReadFeedback` and `RedactReports`, inside one worker; every
later stage sees redacted text and pseudonyms. The pipeline writes the extract's tables to a
staging folder; `pipeline.extract.publish.publish` then audits, builds the DuckDB file and swaps it
in atomically.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from joins import schemas
from pipeline.extract import publish as extract
from pipeline.extract.lock import RunLock
from pipeline.run import locations, worker_watch
from pipeline.run.attributed import build_tables
from pipeline.run.clustered import CLUSTER_INFO
from pipeline.run.clustered import REPORTS as CLUSTERED_REPORTS
from pipeline.run.inputs import (
    OUT_OF_WINDOW,
    QUARANTINE,
    REPORTS,
    ReadDeploys,
    ReadFeedback,
    ReadRouting,
    ReadTraffic,
    routing_dimensions,
)
from pipeline.run.options import RunOptions
from pipeline.run.progress import Progress
from pipeline.run.stages import (
    ClusterReports,
    CountUniqueReports,
    DetectSymptoms,
    EmbedReports,
    JoinRouting,
    RedactReports,
    ReportedRequests,
)
from pipeline.run.worker_watch import WORKER_DIED


class _Attribute(beam.DoFn):
    def __init__(
        self,
        dimensions: list[str],
        min_users: int,
        previous_first_seen: dict | None = None,
    ):
        self.dimensions = dimensions
        self.min_users = min_users
        self.previous_first_seen = previous_first_seen or {}

    def process(self, clustered: dict, traffic, deploys):
        started = time.monotonic()
        tables = build_tables(
            clustered[CLUSTERED_REPORTS],
            clustered[CLUSTER_INFO],
            traffic,
            deploys,
            self.dimensions,
            self.min_users,
            self.previous_first_seen,
        )
        Progress.step("attribute", len(clustered[CLUSTERED_REPORTS]), started)
        yield tables


class AttributeClusters(beam.PTransform):
    """The joined, clustered value -> the extract's tables (attributions, suspects, ...).

    :param traffic: a PCollection of one value, the traffic table (`ReadTraffic`).
    :param deploys: a PCollection of one value, the deploy records (`ReadDeploys`).
    """

    def __init__(
        self,
        traffic,  # noqa: ANN001 - a Beam PCollection
        deploys,  # noqa: ANN001 - a Beam PCollection
        dimensions: list[str],
        min_users: int,
        previous_first_seen: dict | None = None,
    ):
        super().__init__()
        self.traffic = traffic
        self.deploys = deploys
        self.dimensions = dimensions
        self.min_users = min_users
        self.previous_first_seen = previous_first_seen

    def expand(self, joined):
        return joined | "RankCauses" >> beam.ParDo(
            _Attribute(self.dimensions, self.min_users, self.previous_first_seen),
            traffic=beam.pvalue.AsSingleton(self.traffic),
            deploys=beam.pvalue.AsSingleton(self.deploys),
        )


class _WriteStaging(beam.DoFn):
    def __init__(self, staging: str):
        self.staging = staging

    def process(self, tables, quarantine, counts, redactions, audit):
        import pyarrow as pa

        tables = dict(tables)
        rows = sorted(quarantine, key=lambda q: (q["source"], q["line"], q["reason"]))
        tables["quarantine"] = pa.Table.from_pylist(rows, schema=schemas.QUARANTINE)
        # Through Beam's FileSystems: on a distributed runner the staging folder is a URL
        # (--staging-location) that this worker and the launcher both reach.
        locations.write_staged(
            self.staging, tables, {**counts, "redactions": redactions, "audit": audit}
        )
        yield self.staging


class WriteStagedExtract(beam.PTransform):
    """The extract's tables and the run's counts -> Parquet files in the staging folder."""

    def __init__(self, staging: str, quarantine, counts, redactions, audit):
        super().__init__()
        self.staging = staging
        self.side = (quarantine, counts, redactions, audit)

    def expand(self, tables):
        quarantine, counts, redactions, audit = self.side
        return tables | "WriteParquet" >> beam.ParDo(
            _WriteStaging(self.staging),
            quarantine=beam.pvalue.AsList(quarantine),
            counts=beam.pvalue.AsSingleton(counts),
            redactions=beam.pvalue.AsSingleton(redactions),
            audit=beam.pvalue.AsSingleton(audit),
        )


def _count(pcoll, label: str):
    return pcoll | label >> beam.combiners.Count.Globally()


def build_pipeline(
    p: beam.Pipeline,
    opts: RunOptions,
    staging: str,
    dims: list[str],
    previous: dict | None,
    previous_first_seen: dict | None = None,
    now: datetime | None = None,
) -> None:
    """Compose every stage onto ``p``; see the module docstring for the flow. ``now``: the
    run's start (reports dated more than a day after it are quarantined)."""
    input_dir = str(opts.input_dir)
    read = p | "ReadFeedback" >> ReadFeedback(
        input_dir, opts.since, opts.until, opts.input_limits(), now
    )
    redacted, redactions, audit = read[REPORTS] | "RedactReports" >> RedactReports(
        opts.key, batch_size=opts.redaction_batch
    )
    with_symptoms = redacted | "DetectSymptoms" >> DetectSymptoms()
    embedded = with_symptoms | "EmbedReports" >> EmbedReports(
        batch_size=opts.embed_batch, backend=opts.embedding
    )
    clustered = embedded | "ClusterReports" >> ClusterReports(
        staging, previous, opts.random_state, min_users=opts.min_users
    )
    reported = redacted | "ReportedRequests" >> ReportedRequests()
    routing = p | "ReadRouting" >> ReadRouting(
        input_dir, opts.key, dims, opts.since, opts.until, wanted=beam.pvalue.AsSingleton(reported)
    )
    joined = (clustered, routing) | "JoinRouting" >> JoinRouting(dims)
    traffic = p | "ReadTraffic" >> ReadTraffic(input_dir)
    deploys = p | "ReadDeploys" >> ReadDeploys(input_dir)
    tables = joined | "AttributeClusters" >> AttributeClusters(
        traffic, deploys, dims, opts.min_users, previous_first_seen
    )

    counts = (
        [
            _count(read[REPORTS], "CountValid") | "KeyValid" >> beam.Map(lambda n: ("valid", n)),
            redacted
            | "CountUnique" >> CountUniqueReports()
            | "KeyUnique" >> beam.Map(lambda n: ("unique", n)),
            _count(read[OUT_OF_WINDOW], "CountOutside")
            | "KeyOutside" >> beam.Map(lambda n: ("outside_window", n)),
        ]
        | "AllCounts" >> beam.Flatten()
        | "CountsDict" >> beam.combiners.ToDict()
    )
    _ = tables | "WriteStagedExtract" >> WriteStagedExtract(
        staging, read[QUARANTINE], counts, redactions, audit
    )


def _runner(opts: RunOptions):
    """An explicit runner: local runs never reach for the network (no Prism download)."""
    args = list(opts.beam_args)
    if opts.runner in ("local", "multiprocess"):
        from apache_beam.runners.portability.fn_api_runner import FnApiRunner

        if opts.runner == "multiprocess":
            # A killed worker fails the run instead of hanging it.
            worker_watch.watch_subprocess_workers()
            args += [
                "--direct_running_mode=multi_processing",
                f"--direct_num_workers={opts.workers}",
            ]
        else:
            args += ["--direct_running_mode=in_memory", "--direct_num_workers=1"]
        return FnApiRunner(), PipelineOptions(args)
    if opts.runner.lower() in ("dask", "daskrunner"):
        # Beam's Dask runner on a dask.distributed cluster (--beam-arg=--dask_client_address=...)
        from apache_beam.runners.dask.dask_runner import DaskRunner

        from pipeline.run.dask_compat import patch_dask_runner  # deferred: Dask

        patch_dask_runner()
        return DaskRunner(), PipelineOptions(args)
    return opts.runner, PipelineOptions([f"--runner={opts.runner}", *args])


_STAGE = re.compile(r"while running '([^']{1,200})'")


def pipeline_failure(exc: BaseException) -> str:
    """One line for a run that failed inside the pipeline: the stage and the error's type,
    never its message (a worker's message may quote a record)."""
    text = str(exc)
    died = worker_watch.deaths()
    if died or WORKER_DIED in text:
        how = f" ({died[0]})" if died else ""
        return (
            f"{WORKER_DIED} during the run{how}; nothing published, "
            "the previous extract is in place"
        )
    stage = _STAGE.search(text)
    where = f" in {stage.group(1)}" if stage else ""
    return (
        f"the pipeline failed{where} ({type(exc).__name__}); nothing published, "
        "the previous extract is in place"
    )


def run(opts: RunOptions) -> extract.RunSummary:
    """Run the job and publish its extract; raise `extract.TriageError` on a fatal problem."""
    started = extract.utcnow()
    t0 = time.monotonic()
    extract.check_inputs(opts)
    opts.key.resolve()  # fail fast, before any work, when the key is missing
    dims = routing_dimensions(str(opts.input_dir))
    previous = extract.previous_centroids(opts.previous_extract)
    previous_first_seen = extract.previous_first_seen(opts.previous_extract)
    # One run per OUT at a time: a second one raises lock.RunLocked (exit 75) before any work.
    run_lock = RunLock(Path(opts.output_dir)).acquire()
    staging = locations.new_staging(Path(opts.output_dir), opts.staging_location)
    worker_watch.reset()
    runner, beam_options = _runner(opts)
    try:
        try:
            with beam.Pipeline(runner=runner, options=beam_options) as p:
                build_pipeline(p, opts, str(staging), dims, previous, previous_first_seen, started)
        except Exception as exc:  # noqa: BLE001 - one line, never the data in the message
            raise extract.TriageError(pipeline_failure(exc)) from None
        try:
            return extract.publish(opts, staging, started, time.monotonic() - t0)
        except extract.TriageError:
            raise
        except Exception as exc:  # noqa: BLE001 - write_extract rolled back; say so in one line
            raise extract.TriageError(
                f"publishing failed ({type(exc).__name__}); nothing published, "
                "the previous extract is in place"
            ) from None
    finally:
        locations.remove_staging(staging)
        run_lock.release()
