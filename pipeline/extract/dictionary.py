"""The extract's data dictionary: every table, view and column with its type, unit and meaning.

Column descriptions live here, keyed to `joins.schemas.EXTRACT_TABLES`; view docs live in
`pipeline.extract.views`. Types are not written by hand: `render()` builds an empty extract
in memory from the schemas, creates the views on it and reads every column's DuckDB type
back, so the document cannot drift from the code. docs/extract.md is this module's output:

    python -m pipeline.extract.dictionary > docs/extract.md

and tests/extract/test_dictionary.py fails when the schemas, these docs, the views and the
document differ.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pyarrow as pa

from joins import schemas
from pipeline.extract import views
from pipeline.extract.views import Column

C = Column


@dataclass(frozen=True)
class Table:
    """One documented table: what a row is, what it never holds, and its columns."""

    row: str
    never: str
    columns: dict[str, Column]


_NO_RAW = "raw user, session or request ids; unredacted text"

#: Documentation of the routing-dimension columns appended to ``reports`` per run.
DIMENSION_DOCS: dict[str, str] = {
    "model": "model that answered the request",
    "platform": "serving channel: first_party, bedrock or vertex",
    "hardware": "accelerator family: tpu, gpu or trainium",
    "server_pool": "server pool that answered",
    "deploy_id": "serving release that answered (a change-log id)",
    "region": "serving region",
}
#: Example extra dimensions (any other string column of the routing log becomes one).
EXTRA_DIMENSION_EXAMPLES: dict[str, str] = {
    "context_tier": "standard or long_1m context pool",
    "runtime_config": "runtime configuration version that answered (a change-log id)",
    "sampler_build": "sampler build that answered (a change-log id)",
}

TABLES: dict[str, Table] = {
    "reports": Table(
        "one user report (a `/bug` or a thumbs-down) that passed validation, deduplicated",
        _NO_RAW + "; text of clusters below the publication threshold",
        {
            "report_id": C("the report's id as submitted (identifies a report, not a person)"),
            "kind": C("'bug' (coding CLI `/bug`) or 'thumbs_down'"),
            "submitted_hour": C("submission time truncated to the hour", "UTC hour"),
            "user_pseudonym": C("keyed HMAC pseudonym of the user id (key never stored)"),
            "session_pseudonym": C("keyed HMAC pseudonym of the session id; null if none"),
            "request_pseudonym": C("keyed HMAC pseudonym of the request id; null if none"),
            "surface": C("client surface, e.g. claude_code, claude_ai, api"),
            "reported_model": C("model name as the client saw it"),
            "comment_redacted": C(
                "the user's comment with personal data replaced by typed placeholders "
                "(`<PERSON>`, `<EMAIL_ADDRESS>`, ...); null for unpublished clusters"
            ),
            "response_redacted": C(
                "the reported model output, redacted the same way; foreign-script runs and "
                "code kept (they are the symptoms); null for unpublished clusters"
            ),
            "tags": C("thumbs-down reasons chosen by the user"),
            "symptoms": C(
                "symptoms detected in the response: unexpected_script, code_syntax_error, "
                "repetition, truncation ([] = none)"
            ),
            "symptom_evidence": C(
                "JSON list of {field, symptom, start, end, reason}: where each symptom was "
                "found (Python string offsets into the redacted field); null for unpublished "
                "clusters"
            ),
            "cluster_id": C("the report's cluster (clusters.cluster_id)"),
            "joined": C("true when its request was found in the routing log"),
            "truncated_fields": C(
                "input fields cut to the input limits on read (comment, response_excerpt, "
                "model, surface, client_version, tags; see docs/pipeline.md); [] = none"
            ),
        },
    ),
    "clusters": Table(
        "one group of reports about the same problem",
        _NO_RAW + "; details of clusters with fewer than K users (`published` false)",
        {
            "cluster_id": C("cluster id (kept across runs with --previous-extract)"),
            "label": C("short label from redacted text; generic when not published"),
            "n_reports": C("reports in the cluster", "reports"),
            "n_users": C("distinct user pseudonyms", "users"),
            "n_sessions": C("distinct sessions (the user when a report has none)", "sessions"),
            "first_seen": C("hour of the first report", "UTC hour"),
            "last_seen": C("hour of the last report", "UTC hour"),
            "top_symptoms": C(
                "up to three symptoms in at least 20% of its reports, most common first"
            ),
            "published": C("at least K distinct users (--min-users, default 5)"),
            "is_background": C("the catch-all of ordinary complaints; never attributed"),
            "sticky_concentration": C(
                "1 - effective sessions / reports (inverse Herfindahl): 0 = independent "
                "reports, near 1 = one session",
                "fraction 0-1",
            ),
            "sticky_flag": C("the signal rests on a handful of sessions"),
            "centroid": C(
                "mean sentence embedding of its reports (to keep ids stable across runs); "
                "null when not published",
                "unit vector",
            ),
        },
    ),
    "attributions": Table(
        "one (cluster, dimension, value) tested as an explanation of a published cluster",
        _NO_RAW + "; rows for unpublished clusters",
        {
            "cluster_id": C("cluster id"),
            "dimension": C(
                "routing dimension, or several joined by ' & ' for a combination "
                "(e.g. 'model & runtime_config')"
            ),
            "value": C("its value, parts joined by ' & ' in the same order"),
            "reports": C("the cluster's reports whose request had that value", "reports"),
            "users": C("distinct users among them", "users"),
            "expected": C(
                "reports the value's share of traffic over the cluster's own hours predicts",
                "reports",
            ),
            "lift": C("reports / expected", "ratio"),
            "p_value": C("one-sided binomial test on user-weighted counts", "probability"),
            "q_value": C(
                "p-value after Benjamini-Hochberg over every row of the run", "probability"
            ),
            "rank": C(
                "1 = strongest explanation of the cluster: its findings first (in the order "
                "accepted), then the other rows by score, then rows that only restate a "
                "finding (findings.folded)",
                "rank",
            ),
            "baseline": C(
                "'traffic' (share of traffic) or 'reports' (share among other clusters' "
                "reports, where traffic lacks the dimension)"
            ),
        },
    ),
    "suspects": Table(
        "one deploy scored as the cause of a finding (finding_id set) or, for a published "
        "cluster without a finding, of the cluster's own rise (finding_id null)",
        _NO_RAW + "; rows for unpublished clusters",
        {
            "cluster_id": C("cluster id; null for a suspect of a run-wide finding"),
            "deploy_id": C("change-log id of the deploy"),
            "started_at": C("when the deploy started", "UTC timestamp"),
            "onset": C(
                "the change point of the finding's (or cluster's) hourly rate it lines up with",
                "UTC hour",
            ),
            "score": C(
                "evidence x timing x step x (1 + rollback): higher is more likely; "
                "comparable within a run",
                "score",
            ),
            "reason": C("the evidence in words (what it changed, lead time, rollback)"),
            "finding_id": C(
                "the finding it is a suspect of (findings.finding_id); null: "
                "scored on the cluster's series"
            ),
            "match": C(
                "what it changed that matches the finding: 'version' (it introduced the "
                "finding's value), 'scope' (its scope field is the value), 'covers' (its "
                "scope holds at least 90% of the finding's reports) or 'none'"
            ),
            "end": C("end of the finding's elevated period (null: still elevated)", "UTC hour"),
            "rollback_id": C("change-log id of the rollback of this deploy near that end"),
            "rollback_at": C("when that rollback started", "UTC timestamp"),
        },
    ),
    "findings": Table(
        "one accepted cause: of a published cluster (explaining away: each explains reports "
        "the ones before it leave unexplained) or run-wide (cluster_id null: a change in the "
        "complaint rate per request of a value over all published reports)",
        _NO_RAW + "; rows for unpublished clusters; run-wide findings of fewer than K users",
        {
            "finding_id": C("stable id of (cluster or run-wide, symptom, dimension, value)"),
            "cluster_id": C("cluster id; null for a run-wide (emerging) finding"),
            "rank": C(
                "order accepted within its cluster (1 first); for run-wide findings, by score, "
                "those whose reports one cluster's finding already holds last",
                "rank",
            ),
            "kind": C("'cluster' or 'emerging' (run-wide)"),
            "symptom": C("run-wide findings: the symptom whose reports were tested; null = all"),
            "dimension": C("routing dimension, or several joined by ' & ' for a combination"),
            "value": C("its value, parts joined by ' & ' in the same order"),
            "onset": C(
                "cluster: first upward change point of its rate; run-wide: the change the "
                "test found (or the start of a new value's traffic)",
                "UTC hour",
            ),
            "end": C("end of its elevated period (null: still elevated)", "UTC hour"),
            "reports": C(
                "reports it explains (cluster: on the residual when accepted; run-wide: from "
                "the onset on)",
                "reports",
            ),
            "users": C("distinct users among them", "users"),
            "expected": C(
                "reports traffic predicts (cluster: the value's share of traffic over the "
                "residual's hours; run-wide: the rate per request before the change)",
                "reports",
            ),
            "lift": C("reports / expected", "ratio"),
            "p_value": C(
                "cluster: binomial test in users and reports on the residual; run-wide: "
                "likelihood-ratio change-point test (Bonferroni over split points)",
                "probability",
            ),
            "q_value": C(
                "Benjamini-Hochberg over every test of its search (cluster or run-wide)",
                "probability",
            ),
            "score": C(
                "cluster: coverage x log lift on the residual; run-wide: excess x log lift",
                "score",
            ),
            "deploy_id": C("its best suspect deploy (suspects with this finding_id), or null"),
            "clusters": C(
                "run-wide: published clusters its reports fall in, most first; cluster: empty"
            ),
            "folded": C("attributions rows that only restate it ('dimension=value'), ranked last"),
            "restates": C(
                "run-wide findings: the finding_id of the cluster finding whose reports are "
                "most of its reports in clusters (it ranks after the run-wide findings no "
                "cluster holds); null otherwise"
            ),
        },
    ),
    "finding_timeseries": Table(
        "one (finding, hour) over the run's span: the reports it explains and its value's requests",
        _NO_RAW + "; rows for unpublished clusters",
        {
            "finding_id": C("findings.finding_id"),
            "hour": C("submission hour", "UTC hour"),
            "reports": C("the finding's reports in that hour", "reports"),
            "requests": C(
                "requests served with the finding's value (all traffic if traffic lacks the "
                "dimension); null without traffic",
                "requests",
            ),
            "rate_per_million": C("reports / requests x 1e6", "reports per 1M requests"),
        },
    ),
    "cluster_timeseries": Table(
        "one (published, non-background cluster, hour) over the run's span, zero hours included",
        _NO_RAW + "; rows for unpublished clusters",
        {
            "cluster_id": C("cluster id"),
            "hour": C("submission hour", "UTC hour"),
            "reports": C("the cluster's reports submitted in that hour", "reports"),
            "requests": C(
                "all requests served in that hour (total traffic, every dimension); null "
                "without traffic",
                "requests",
            ),
            "rate_per_million": C("reports / requests x 1e6", "reports per 1M requests"),
        },
    ),
    "quarantine": Table(
        "one input line that failed validation",
        "the raw record or any value from it",
        {
            "source": C("input file name, e.g. feedback/2025-08-25.jsonl"),
            "line": C("line number in that file", "1-based line"),
            "reason": C("why it was rejected (field and rule, never the value)"),
        },
    ),
    "traffic_hourly": Table(
        "requests served in one hour with one value of one routing dimension (summed over "
        "every other dimension): the denominators for rates per million requests",
        "anything about a person or a request; it is built from the traffic input only",
        {
            "hour": C("the hour", "UTC timestamp, truncated to the hour"),
            "dimension": C("routing dimension name, e.g. server_pool or sampler_build"),
            "value": C("the dimension's value"),
            "requests": C("requests served with that value in that hour", "requests"),
        },
    ),
    "deploys": Table(
        "one entry of the change log (deploy, config push, rollback) as given in the input",
        "anything about a person; descriptions are engineers' change notes",
        {
            "deploy_id": C("change id; version columns of routing carry these ids"),
            "started_at": C("when the change started", "UTC timestamp"),
            "finished_at": C("when it finished (null if unknown)", "UTC timestamp"),
            "component": C("what changed, e.g. runtime_config, sampler, serving_release"),
            "description": C("the change note; rollbacks say 'Rollback of <deploy_id>'"),
            "platform": C("scope: platform, null = all"),
            "hardware": C("scope: hardware, null = all"),
            "server_pool": C("scope: server pool, null = all"),
            "model": C("scope: model, null = all"),
        },
    ),
    "runs": Table(
        "the run that wrote this extract (one row)",
        _NO_RAW + "; the pseudonym key",
        {
            "run_id": C("run id: run-<start time>-<random>"),
            "started_at": C("run start", "UTC timestamp"),
            "finished_at": C("run end", "UTC timestamp"),
            "reports_in": C("unique valid reports + quarantined lines", "reports"),
            "reports_out": C("rows of reports", "reports"),
            "quarantined": C("rows of quarantine", "lines"),
            "duplicates": C("repeated report ids dropped", "reports"),
            "outside_window": C("reports outside --since/--until", "reports"),
            "version": C("feedback-triage version"),
            "contract_version": C("data contract version (joins.schemas.CONTRACT_VERSION)"),
            "options": C("the run's options as JSON (no key)"),
            "redactions": C("JSON: redacted spans per entity type", "spans"),
            "audit_findings": C(
                "JSON: the audit after redaction: `findings` (values it found and masked in the "
                "published texts, per type), `texts` read, `texts_with_findings`, `budget` (the "
                "share of texts above which the run would have failed)",
                "values, texts",
            ),
            "min_users": C(
                "K of this run (--min-users): a cluster is published iff n_users >= K", "users"
            ),
            "truncated_reports": C(
                "reports with a field cut to the input limits (reports.truncated_fields)",
                "reports",
            ),
        },
    ),
}

RECIPIENTS = """\
## Who may receive the extract

The extract (`OUT/triage.duckdb` and `OUT/parquet/`) holds **redacted** report text, keyed
pseudonyms of users, sessions and requests, routing dimensions and aggregate statistics. It
holds no raw user, session or request id and no unredacted text, and clusters with fewer than
K distinct users (`--min-users`, default 5) are reduced to counts. It is still derived from
what users reported, so treat it as confidential personal-data-derived material:

- **May receive it:** the on-call investigators and engineers of the serving, inference and
  model teams working on an incident or on quality triage, and the owners of the triage job.
- **Not:** anyone outside the company, vendors, or broad mailing lists and shared drives.
  Share query results (counts, rates, cluster ids) rather than the file where you can;
  `triage query --format csv|json|parquet` writes owner-only files.
- Pseudonyms are stable only under one key: never publish pseudonyms alongside anything that
  could map them back, and never store the key (`TRIAGE_PSEUDONYM_KEY`) with an extract.
- The pipeline writes the extract owner-only (files 0600, version folder 0700). Keep it so:
  do not copy it to world-readable places; delete old copies when the incident closes.
"""

INTRO = """\
# The extract: data dictionary

<!-- Generated by `python -m pipeline.extract.dictionary > docs/extract.md`; do not edit by hand.
     tests/extract/test_dictionary.py fails when this file and the code differ. -->

`triage run` writes `OUT/triage.duckdb` and the same tables as `OUT/parquet/<table>.parquet`
(data contract version {version}). Timestamps are UTC (`TIMESTAMP WITH TIME ZONE`); set
`SET TimeZone = 'UTC'` in your own DuckDB session so they print in UTC (`triage query` does).
Open it read-only: `triage query --extract OUT/triage.duckdb "select ..."` or
`duckdb -readonly OUT/triage.duckdb`. The questions investigators ask most, with their SQL,
are in [cookbook.md](cookbook.md).

How to ask well:
- Count **users** (`count(distinct user_pseudonym)`), not reports: sticky sessions make a few
  users send many reports.
- Compare **rates** (per million requests), not counts: traffic differs by hour and platform.
- Routing dimension columns of `reports` are null where the request did not join (`joined`
  false); filter on `joined` when a share of joined reports is what you want.
"""


def _duckdb_types() -> dict[str, dict[str, tuple[str, bool]]]:
    """{table or view: {column: (DuckDB type, required)}} of an empty extract built in memory."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        dims = list(DIMENSION_DOCS)
        for name, schema in schemas.EXTRACT_TABLES.items():
            if name == "reports":
                schema = schemas.reports_schema(dims)
            con.register("empty_", pa.Table.from_pylist([], schema=schema))
            con.execute(f'create table "{name}" as select * from empty_')
            con.unregister("empty_")
        views.create_views(con)
        out: dict[str, dict[str, tuple[str, bool]]] = {}
        for name, schema in schemas.EXTRACT_TABLES.items():
            rows = con.execute(f'describe "{name}"').fetchall()
            out[name] = {
                r[0]: (r[1], not schema.field(r[0]).nullable) for r in rows if r[0] in schema.names
            }
        for view in views.VIEW_DEFS:
            rel = f"{view.name}(null, null)" if view.kind == "macro" else view.name
            rows = con.execute(f"describe select * from {rel}").fetchall()
            out[view.name] = {r[0]: (r[1], False) for r in rows}
        return out
    finally:
        con.close()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table_md(cols: list[tuple[str, str, str, str]]) -> list[str]:
    lines = ["| column | type | unit | meaning |", "|---|---|---|---|"]
    lines += [f"| `{n}` | {t} | {_cell(u) or '-'} | {_cell(d)} |" for n, t, u, d in cols]
    return lines


def render() -> str:
    """docs/extract.md as a string (deterministic)."""
    types = _duckdb_types()
    out = [INTRO.format(version=schemas.CONTRACT_VERSION), "## Tables", ""]
    for name, table in TABLES.items():
        out += [
            f"### `{name}`",
            "",
            f"One row: {table.row}.",
            f"Never contains: {table.never}.",
            "",
        ]
        cols = [
            (
                col,
                types[name][col][0] + (" not null" if types[name][col][1] else ""),
                c.unit,
                c.description,
            )
            for col, c in table.columns.items()
        ]
        if name == "reports":
            cols += [
                (d, "VARCHAR", "", f"routing dimension: {text}; null when not joined")
                for d, text in DIMENSION_DOCS.items()
            ]
            cols.append(
                (
                    "*other*",
                    "VARCHAR",
                    "",
                    "every other string column of the routing log is a dimension too and is "
                    "appended here, e.g. "
                    + "; ".join(f"`{k}`: {v}" for k, v in EXTRA_DIMENSION_EXAMPLES.items()),
                )
            )
        out += _table_md(cols) + [""]
    out += ["## Views", "", "Created in every extract by `pipeline/extract/views.py`.", ""]
    for view in views.VIEW_DEFS:
        title = f"`{view.name}{view.signature}`" + (
            " (table macro)" if view.kind == "macro" else ""
        )
        out += [f"### {title}", "", view.description, ""]
        out += [f"- {line}" for line in view.extra] + ([""] if view.extra else [])
        if view.columns:
            out += _table_md(
                [
                    (col, types[view.name][col][0], c.unit, c.description)
                    for col, c in view.columns.items()
                ]
            ) + [""]
    out += [RECIPIENTS]
    return "\n".join(out).rstrip("\n") + "\n"


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
