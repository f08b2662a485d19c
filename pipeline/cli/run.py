"""`triage run`: the whole job once over an input directory, then its summary."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipeline.cli.argtypes import audit_budget, positive_int, timestamp
from pipeline.errors import CliError
from pipeline.run.options import KeySource, RunOptions


def _run(args: argparse.Namespace) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from pipeline.extract.publish import (  # deferred: Beam (seconds)
        TriageError,  # deferred: Beam (seconds)
    )
    from pipeline.run.locations import (  # deferred: Beam (seconds)
        as_location,  # deferred: Beam (seconds)
    )

    opts = RunOptions(
        input_dir=as_location(args.input),
        output_dir=Path(args.output),
        since=args.since,
        until=args.until,
        min_users=args.min_users,
        runner=args.runner,
        workers=args.workers,
        key=KeySource(allow_demo=args.demo_key),
        audit_budget=args.audit_budget,
        previous_extract=Path(args.previous_extract) if args.previous_extract else None,
        beam_args=tuple(args.beam_arg or ()),
        embedding=args.embedding,
        staging_location=as_location(args.staging_location) if args.staging_location else None,
        max_text_chars=args.max_text_chars,
        max_line_bytes=args.max_line_bytes,
    )
    if args.demo_key and not os.environ.get("TRIAGE_PSEUDONYM_KEY"):
        print(
            "triage run: WARNING: using the PUBLIC DEMO pseudonym key; pseudonyms in this "
            "extract are not protected. Never use --demo-key for real data.",
            file=sys.stderr,
        )
    from pipeline.extract import (  # deferred: Beam (seconds)
        summary,  # deferred: Beam (seconds)
    )
    from pipeline.run import (  # deferred: Beam (seconds)
        job,  # deferred: Beam (seconds)
    )
    from redaction import (  # deferred: spaCy
        InvalidPseudonymKeyError,
        MissingPseudonymKeyError,
    )

    print(
        f"triage run: {opts.input_dir} -> {opts.output_dir} (runner {opts.runner})", file=sys.stderr
    )
    from pipeline.extract.lock import (  # deferred: Beam (seconds)
        RunLocked,  # deferred: Beam (seconds)
    )

    try:
        result = job.run(opts)
    except RunLocked as exc:  # another run holds OUT: skipped, not failed
        print(f"triage run: skipped: {exc}", file=sys.stderr)
        return exc.exit_code
    except (TriageError, MissingPseudonymKeyError, InvalidPseudonymKeyError) as exc:
        raise CliError(str(exc)) from None
    print(summary.render(result, top=args.top))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `triage run` to the subcommands."""
    run = sub.add_parser(
        "run",
        help="run the triage job on an input directory and publish the extract",
        description="Read INPUT (feedback/, routing/, traffic/, deploys/ as in "
        "shared/CONTRACT.md), redact, detect symptoms, cluster, attribute, and write "
        "OUT/triage.duckdb and OUT/parquet/ atomically. The pseudonym key comes from "
        "TRIAGE_PSEUDONYM_KEY. Exit 0 on success, 2 with one line on stderr on a fatal "
        "problem; bad records go to the quarantine table instead.",
    )
    run.add_argument(
        "--input",
        required=True,
        metavar="INPUT",
        help="input directory, or an object-store URL such as gs://bucket/feedback-export "
        "(any scheme Beam has a filesystem for)",
    )
    run.add_argument(
        "--output",
        required=True,
        metavar="OUT",
        help="output directory (created; the extract is swapped in atomically)",
    )
    run.add_argument(
        "--since",
        type=timestamp,
        metavar="TS",
        help="ignore reports submitted before TS (RFC 3339)",
    )
    run.add_argument(
        "--until",
        type=timestamp,
        metavar="TS",
        help="ignore reports submitted after TS: replays what was known then",
    )
    run.add_argument(
        "--min-users",
        type=int,
        default=5,
        metavar="K",
        help="publish a cluster's details only with at least K distinct users "
        "(default 5); smaller clusters keep counts only",
    )
    run.add_argument(
        "--runner",
        default="local",
        help="local (in-process, default), multiprocess (one worker per core), "
        "or a Beam runner name such as DataflowRunner with --beam-arg options",
    )
    run.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 2,
        help="worker processes for --runner multiprocess (default: cores)",
    )
    run.add_argument(
        "--beam-arg",
        action="append",
        metavar="ARG",
        help="extra Beam pipeline option, repeatable, e.g. --beam-arg=--project=my-project",
    )
    run.add_argument(
        "--staging-location",
        metavar="DIR_OR_URL",
        help="where workers write the staged tables before publishing (default: a private "
        "folder under OUT); with a distributed runner, a URL that every worker and this "
        "machine reach, e.g. gs://bucket/triage-staging",
    )
    run.add_argument(
        "--previous-extract",
        metavar="DB",
        help="a previous triage.duckdb: clusters that match its clusters keep their ids",
    )
    run.add_argument(
        "--audit-budget",
        type=audit_budget,
        default=0.001,
        metavar="SHARE",
        help="the audit reads every published text after redaction and masks what it still "
        "finds (typed placeholders, counted in runs.audit_findings); the run fails and "
        "publishes nothing only when more than this share of texts held something, which "
        "signals a broken redactor: a fraction or a percentage, 0 to 1 (default 0.001 = 0.1%%)",
    )
    run.add_argument(
        "--embedding",
        choices=("static", "transformer"),
        default="static",
        help="sentence embeddings: static (a table distilled once from the installed "
        "all-MiniLM-L6-v2, about 100x faster; default) or transformer (the full model)",
    )
    run.add_argument(
        "--max-text-chars",
        type=positive_int,
        default=32 * 1024,
        metavar="N",
        help="cut a longer comment or response excerpt to N characters at a safe boundary "
        "and flag it in reports.truncated_fields (default 32768)",
    )
    run.add_argument(
        "--max-line-bytes",
        type=positive_int,
        default=4 * 1024 * 1024,
        metavar="N",
        help="quarantine a longer feedback line unparsed, reason 'line too long' "
        "(default 4194304, 4 MiB)",
    )
    run.add_argument(
        "--demo-key",
        action="store_true",
        help="if TRIAGE_PSEUDONYM_KEY is unset, use the public demo key (demo "
        "and tests only; says so loudly)",
    )
    run.add_argument(
        "--top",
        type=int,
        default=10,
        metavar="N",
        help="clusters shown in the final summary (default 10)",
    )
    run.set_defaults(func=_run)
