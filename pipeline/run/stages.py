"""The Beam stages of `triage run`, each a PTransform named for what it produces.

Heavy engines (Presidio + spaCy, the sentence model) load once per worker in
``DoFn.setup()`` and work on batches. The per-record and per-batch logic lives in the
libraries (`redaction`, `clustering`, `joins`); these classes only move data.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import replace

import apache_beam as beam
import numpy as np

from pipeline.run.epoch import floor_hour_us, to_us
from pipeline.run.options import KeySource
from pipeline.run.progress import Progress
from pipeline.run.records import Report
from pipeline.run.tagged import split_by_tag
from pipeline.run.validate import FeedbackRecord

REPORTS = "reports"
REDACTIONS = "redactions"
AUDIT = "audit"


class _RedactBatch(beam.DoFn):
    """Raw records in, redacted and pseudonymised records out; raw text ends here."""

    def __init__(self, key: KeySource):
        self.key = key

    def setup(self):
        from redaction import Pseudonymizer, Redactor  # deferred: spaCy (worker)

        self.redactor = Redactor()
        self.pseudonyms = Pseudonymizer(self.key.resolve())
        self.progress = Progress("redact")

    def process(self, batch: list[FeedbackRecord]):
        from redaction.audit import audit_batch  # deferred: spaCy (worker)

        texts = []
        for rec in batch:
            texts += [rec.comment, rec.response_excerpt]
        redacted = self.redactor.redact_batch(texts)
        counts: Counter[str] = Counter()
        for r in redacted:
            counts.update(r.counts)
        # The independent audit also looks for the batch's own raw ids: a user pasting their
        # account or request id into a comment is the realistic leak.
        raw_ids = {v for rec in batch for v in (rec.user_id, rec.session_id, rec.request_id) if v}
        # What it finds is masked in place (typed placeholders) and counted; only a share of
        # texts with findings above --audit-budget fails the run (pipeline.extract.publish.publish).
        audited = audit_batch([r.text for r in redacted], raw_ids)
        for i, rec in enumerate(batch):
            comment, response = audited.texts[2 * i], audited.texts[2 * i + 1]
            submitted_us = to_us(rec.submitted_at)
            yield (
                REPORTS,
                Report(
                    report_id=rec.report_id,
                    kind=rec.kind,
                    # Times as int microseconds from here on (pipeline/run/epoch.py).
                    submitted_us=submitted_us,
                    submitted_hour_us=floor_hour_us(submitted_us),
                    user_pseudonym=self.pseudonyms.pseudonym(rec.user_id, "user"),
                    session_pseudonym=self.pseudonyms.pseudonym(rec.session_id, "session"),
                    request_pseudonym=self.pseudonyms.pseudonym(rec.request_id, "request"),
                    surface=rec.surface,
                    reported_model=rec.model,
                    comment_redacted=comment,
                    response_redacted=response,
                    tags=rec.tags,
                    truncated_fields=rec.truncated_fields,
                ),
            )
        self.progress.tick(len(batch))
        yield (REDACTIONS, dict(counts))
        yield (AUDIT, audited.result.as_record())

    def teardown(self):
        self.progress.done()


def _sum_counts(dicts) -> dict:
    total: Counter[str] = Counter()
    for d in dicts:
        total.update(d)
    return dict(sorted(total.items()))


def _sum_audits(records) -> dict:
    """The audit records of every batch (`AuditResult.as_record`) summed into one."""
    from redaction.audit import AuditResult  # deferred: spaCy (worker)

    total = AuditResult.from_record(None)
    for record in records:
        total = total + AuditResult.from_record(record)
    return total.as_record()


class RedactReports(beam.PTransform):
    """Raw report records -> redacted records (main) + redaction and audit counts."""

    def __init__(self, key: KeySource, batch_size: int = 256):
        super().__init__()
        self.key = key
        self.batch_size = batch_size

    def expand(self, reports):
        tagged = (
            reports
            # A fixed size: a batch is already long enough to amortise per-batch costs, so
            # Beam's adaptive sizing (a regression per batch) only adds work. 256 rather than
            # 64 records: NER's matrix products and per-batch steps cost less per text.
            | "Batch"
            >> beam.BatchElements(min_batch_size=self.batch_size, max_batch_size=self.batch_size)
            | "RedactAndPseudonymise" >> beam.ParDo(_RedactBatch(self.key))
        )
        out = split_by_tag(tagged, (REPORTS, REDACTIONS, AUDIT), "Split")
        redactions = out[REDACTIONS] | "SumRedactions" >> beam.CombineGlobally(_sum_counts)
        audit = out[AUDIT] | "SumAuditFindings" >> beam.CombineGlobally(_sum_audits)
        return out[REPORTS], redactions, audit


class CountUniqueReports(beam.PTransform):
    """Redacted records -> one number: how many distinct report ids (the accounting's
    "unique valid reports in"). Only ids are shuffled; the records themselves are deduped
    in the global step (`clustered.keep_rows`), where they all meet anyway, so
    this count is taken apart from the path it checks."""

    def expand(self, reports):
        return (
            reports
            | "ReportId" >> beam.Map(lambda r: r.report_id)
            | "DistinctIds" >> beam.Distinct()
            | "CountIds" >> beam.combiners.Count.Globally()
        )


def _with_symptoms(rec: Report) -> Report:
    from clustering import detect_symptoms  # deferred: sklearn (worker)

    evidence = []
    names: set[str] = set()
    # Symptoms are properties of the model's output; the user's own words (a comment that
    # is one unpunctuated line, or quotes a Thai run to complain about it) are not.
    for field in ("response_redacted",):
        for s in detect_symptoms(getattr(rec, field)):
            names.add(s.name)
            evidence.append(
                {
                    "field": field,
                    "symptom": s.name,
                    "start": s.start,
                    "end": s.end,
                    "reason": s.reason,
                }
            )
    return replace(rec, symptoms=sorted(names), symptom_evidence=json.dumps(evidence))


class DetectSymptoms(beam.PTransform):
    """Redacted records -> records with `symptoms` and their evidence (offsets + reason)."""

    def expand(self, reports):
        return reports | "Detect" >> beam.Map(_with_symptoms)


class _EmbedBatch(beam.DoFn):
    def __init__(self, batch_size: int, backend: str):
        self.batch_size = batch_size
        self.backend = backend

    def setup(self):
        from clustering import Embedder  # deferred: sklearn (worker)

        if self.backend == "static":
            # Distilled once from the installed MiniLM into a local cache (no data in it).
            from clustering.static import cached_static_dir  # deferred: sklearn (worker)

            self.embedder = Embedder(
                batch_size=self.batch_size, backend="static", static_dir=cached_static_dir()
            )
        else:
            self.embedder = Embedder(batch_size=self.batch_size)
        self.progress = Progress("embed")

    def process(self, batch: list[Report]):
        from clustering import embedding_text  # deferred: sklearn (worker)

        texts = [embedding_text(r.comment_redacted, r.response_redacted, r.symptoms) for r in batch]
        vectors = self.embedder.encode(texts)
        self.progress.tick(len(batch))
        for rec, vec in zip(batch, vectors, strict=True):
            # float32 bytes: Beam's coder writes bytes natively but pickles numpy arrays.
            yield replace(rec, embedding=np.asarray(vec, dtype=np.float32).tobytes())

    def teardown(self):
        self.progress.done()


class EmbedReports(beam.PTransform):
    """Records with symptoms -> records with a sentence embedding (float32, L2-normalised)."""

    def __init__(self, batch_size: int = 256, backend: str = "static"):
        super().__init__()
        self.batch_size = batch_size
        self.backend = backend

    def expand(self, reports):
        return (
            reports
            | "Batch"
            >> beam.BatchElements(min_batch_size=self.batch_size, max_batch_size=self.batch_size)
            | "Embed" >> beam.ParDo(_EmbedBatch(self.batch_size, self.backend))
        )


class ReportedRequests(beam.PTransform):
    """Unique records -> one set: the request pseudonyms that have a report (for cutting the
    routing log down to the rows that can join, where it is read)."""

    def expand(self, reports):
        return (
            reports
            | "RequestPseudonym" >> beam.Map(lambda r: r.request_pseudonym)
            | "WithRequest" >> beam.Filter(bool)
            | "ToSet" >> beam.combiners.ToSet()
        )


class _SpillBundle(beam.DoFn):
    """Records -> the paths of spill files holding them (`pipeline.run.spill`): one file per
    ``max_records`` records or per bundle's end, whichever comes first, so a worker holds at
    most that many records however large its bundle (a bundle of the multiprocess runner is
    a worker's whole share: 500k records at a million)."""

    def __init__(self, staging: str, max_records: int = 10_000):
        self.staging = staging
        self.max_records = max_records

    def start_bundle(self):
        self.records: list[Report] = []

    def process(self, record: Report):
        self.records.append(record)
        if len(self.records) >= self.max_records:
            yield self._write()

    def _write(self) -> str:
        from pipeline.run.spill import write_records  # deferred: on the worker that spills

        path = write_records(self.staging, self.records)
        self.records = []
        return path

    def finish_bundle(self):
        from apache_beam.transforms.window import GlobalWindows

        if self.records:
            yield GlobalWindows.windowed_value(self._write())


def _cluster(paths: list, previous: dict | None, random_state: int, min_users: int = 5) -> dict:
    from pipeline.run.clustered import REPORTS, cluster_spilled  # deferred: sklearn (worker)

    started = time.monotonic()
    # Sorted paths and a stable sort by report id: the result does not depend on which
    # worker wrote what. The records stay Arrow columns from here on (`pipeline.run.clustered`).
    clustered = cluster_spilled(paths, previous, random_state, min_users=min_users)
    Progress.step("cluster", clustered[REPORTS].num_rows, started)
    return clustered


def _join(clustered: dict, routing, dimensions: list[str]) -> dict:  # noqa: ANN001
    from pipeline.run.joined import join_batch  # deferred: scipy (worker)

    started = time.monotonic()
    joined = join_batch(clustered, routing, dimensions)
    Progress.step("join routing", joined["reports"].num_rows, started)
    return joined


class ClusterReports(beam.PTransform):
    """Embedded records -> one value: ``{"reports": an Arrow table of the records with a
    stable cluster_id, "cluster_info": one label and centroid per cluster}``.

    The one global step of the job: every embedding meets in one place (see
    docs/clustering.md for its memory bound and the two-stage scheme past it). The records
    get there through spill files in ``staging`` (`pipeline.run.spill`); only their paths go
    through the runner. The output stays one value, so the join and the attribution after
    it run where it ran, on the same list, instead of shipping every report through the
    runner twice more.
    """

    def __init__(
        self,
        staging: str,
        previous: dict | None = None,
        random_state: int = 0,
        min_users: int = 5,
    ):
        super().__init__()
        self.staging = staging
        self.previous = previous
        self.random_state = random_state
        self.min_users = min_users  # K: labels quote a comment only for clusters with K users

    def expand(self, reports):
        spilled = reports | "SpillBundles" >> beam.ParDo(_SpillBundle(self.staging))
        # ToList's default (an empty list for an empty input) would route the gathered list
        # through a side input and read it back; a None riding along gives the empty run
        # its one (empty) list instead, and _cluster drops it.
        anchor = reports.pipeline | "Anchor" >> beam.Create([None])
        return (
            (spilled, anchor)
            | "WithAnchor" >> beam.Flatten()
            | "Gather" >> beam.combiners.ToList().without_defaults()
            | "Cluster"
            >> beam.Map(
                _cluster,
                previous=self.previous,
                random_state=self.random_state,
                min_users=self.min_users,
            )
        )


class JoinRouting(beam.PTransform):
    """The clustered value + routing tables (`inputs.ReadRouting`) -> the same value with
    every routing dimension on each report.

    Records without a request id, or whose request is not in the log, keep null dimensions
    and `joined = False`. A request logged twice takes its latest row.
    """

    def __init__(self, dimensions: list[str]):
        super().__init__()
        self.dimensions = dimensions

    def expand(self, inputs):
        clustered, routing = inputs
        return clustered | "AttachRouting" >> beam.Map(
            _join, routing=beam.pvalue.AsList(routing), dimensions=self.dimensions
        )
