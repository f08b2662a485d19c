"""Subcommands beyond `simulate`: run (and evaluate, query, dashboard as they land)."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path

from pipeline.cli import dashboard as dashboard_cmd
from pipeline.cli import query as query_cmd
from pipeline.cli import schedule as schedule_cmd


def _timestamp(value: str) -> datetime:
    from pipeline.run.validate import parse_timestamp

    ts = parse_timestamp(value)
    if ts is None:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an RFC 3339 timestamp with offset, e.g. 2025-08-26T12:00:00Z"
        )
    return ts


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive integer")
    return n


def _audit_budget(value: str) -> float:
    from pipeline.run.options import audit_budget_share

    try:
        return audit_budget_share(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _run(args: argparse.Namespace) -> int:
    from pipeline.errors import CliError

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from pipeline.extract.publish import TriageError
    from pipeline.run.locations import as_location
    from pipeline.run.options import KeySource, RunOptions

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
    from pipeline.extract import summary
    from pipeline.run import job
    from redaction import InvalidPseudonymKeyError, MissingPseudonymKeyError

    print(
        f"triage run: {opts.input_dir} -> {opts.output_dir} (runner {opts.runner})", file=sys.stderr
    )
    from pipeline.extract.lock import RunLocked

    try:
        result = job.run(opts)
    except RunLocked as exc:  # another run holds OUT: skipped, not failed
        print(f"triage run: skipped: {exc}", file=sys.stderr)
        return exc.exit_code
    except (TriageError, MissingPseudonymKeyError, InvalidPseudonymKeyError) as exc:
        raise CliError(str(exc)) from None
    print(summary.render(result, top=args.top))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import json

    from pipeline.cli.evaluate import evaluate, parse_hours, render, render_ttd, time_to_detection
    from pipeline.errors import CliError

    truth = Path(args.truth)
    if not (truth / "causes.json").exists():
        raise CliError(f"{truth} is not a replay truth folder (no causes.json)")
    if args.extract is None and args.until_hours is None:
        raise CliError("nothing to evaluate: give --extract DB, or --input DIR --until-hours H")
    result: dict = {}
    if args.extract is not None:
        db = Path(args.extract)
        if not db.exists():
            raise CliError(f"extract {db} does not exist")
        result = evaluate(db, truth)
        print(render(result))
    if args.until_hours is not None:
        try:
            hours = parse_hours(args.until_hours)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        if args.input is None:
            raise CliError("--until-hours needs --input DIR (the replay whose truth this is)")
        if not (Path(args.input) / "feedback").is_dir():
            raise CliError(f"{args.input} is not a triage input directory (no feedback/)")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from pipeline.extract.publish import TriageError
        from pipeline.run.options import KeySource, RunOptions
        from redaction import InvalidPseudonymKeyError, MissingPseudonymKeyError

        base = RunOptions(
            input_dir=Path(args.input),
            output_dir=Path("unused"),  # each replay writes to its own scratch folder
            min_users=args.min_users,
            key=KeySource(allow_demo=args.demo_key),
        )
        try:
            base.key.resolve()  # fail before the first run, not inside it
            ttd = time_to_detection(
                base, truth, hours, progress=lambda m: print(m, file=sys.stderr, flush=True)
            )
        except (TriageError, MissingPseudonymKeyError, InvalidPseudonymKeyError) as exc:
            raise CliError(str(exc)) from None
        result["time_to_detection"] = ttd
        print(render_ttd(ttd, hours))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str) + "\n")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    query_cmd.register(sub)
    schedule_cmd.register(sub)
    ev = sub.add_parser(
        "evaluate",
        help="score an extract against a replay's truth folder",
        description="Per bug: detected, rank and q of the true cause, lift, purity, coverage; "
        "false alarms; leaked personal-data values by type; symptom recall and false "
        "positives. Used by the tests and quoted in docs/.",
    )
    ev.add_argument("--truth", required=True, metavar="DIR", help="the replay's truth/ folder")
    ev.add_argument("--extract", metavar="DB", help="OUT/triage.duckdb to score")
    ev.add_argument(
        "--until-hours",
        metavar="H,H,...",
        help="time to detection: for each routed bug and each H, run the job on --input "
        "with --until onset + H (in-process, scratch output) and report whether a finding "
        "names the bug's cause with rank <= 3 and q <= 0.05 (attributions if the extract "
        "has no findings), e.g. 12,24,48",
    )
    ev.add_argument(
        "--input", metavar="DIR", help="the replay's input directory (for --until-hours)"
    )
    ev.add_argument(
        "--min-users",
        type=int,
        default=5,
        metavar="K",
        help="--min-users of the --until-hours runs (default 5)",
    )
    ev.add_argument(
        "--demo-key",
        action="store_true",
        help="for --until-hours runs: the public demo pseudonym key if TRIAGE_PSEUDONYM_KEY "
        "is unset (replays only)",
    )
    ev.add_argument("--json", metavar="FILE", help="also write the full result as JSON")
    ev.set_defaults(func=_evaluate)

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
        type=_timestamp,
        metavar="TS",
        help="ignore reports submitted before TS (RFC 3339)",
    )
    run.add_argument(
        "--until",
        type=_timestamp,
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
        type=_audit_budget,
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
        type=_positive_int,
        default=32 * 1024,
        metavar="N",
        help="cut a longer comment or response excerpt to N characters at a safe boundary "
        "and flag it in reports.truncated_fields (default 32768)",
    )
    run.add_argument(
        "--max-line-bytes",
        type=_positive_int,
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
    dashboard_cmd.register(sub)
