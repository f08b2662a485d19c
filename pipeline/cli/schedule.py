"""`triage schedule`: the daily run (or a backfill) as a scheduler calls it.

Arguments may also come from files: ``triage schedule ... @/etc/triage/runners/dataflow.args``
reads one argument per line (infra/runners/*.args are such files).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipeline.cli.argtypes import audit_budget
from pipeline.errors import CliError


def _day(value: str):
    from pipeline.run.schedule import parse_day  # deferred: Beam (seconds)

    try:
        return parse_day(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _line(r) -> str:
    prev = r.previous.parent.name.removeprefix("date=") if r.previous else "none"
    latest = f", latest -> {r.latest}" if r.latest else ""
    return (
        f"{r.day}: {r.since:%Y-%m-%d}..{r.until:%Y-%m-%d}, {r.summary.reports_out} reports, "
        f"{r.summary.quarantined} quarantined, previous {prev}{latest}, {r.seconds:.0f}s "
        f"-> {r.output_dir}"
    )


def _schedule(args: argparse.Namespace) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from pipeline.extract.lock import EX_TEMPFAIL, RunLocked  # deferred: Beam (seconds)
    from pipeline.extract.publish import TriageError  # deferred: Beam (seconds)
    from pipeline.run import schedule  # deferred: Beam (seconds)
    from pipeline.run.locations import as_location  # deferred: Beam (seconds)
    from pipeline.run.options import KeySource, RunOptions  # deferred: Beam (seconds)
    from redaction import InvalidPseudonymKeyError, MissingPseudonymKeyError  # deferred: spaCy

    if (args.date_from is None) != (args.date_to is None):
        raise CliError("--from and --to go together")
    if args.date and args.date_from:
        raise CliError("give --date or --from/--to, not both")
    if args.window < 1:
        raise CliError("--window must be at least 1 day")
    if args.one_job and not args.date_from:
        raise CliError("--one-job needs --from/--to")
    base = RunOptions(
        input_dir=as_location(args.input),
        output_dir=Path(args.output),
        min_users=args.min_users,
        runner=args.runner,
        workers=args.workers,
        key=KeySource(allow_demo=args.demo_key),
        audit_budget=args.audit_budget,
        beam_args=tuple(args.beam_arg or ()),
        staging_location=as_location(args.staging_location) if args.staging_location else None,
    )
    try:
        if args.date_from:
            days = schedule.days_between(args.date_from, args.date_to)
        else:
            days = [args.date or schedule.yesterday()]
        print(
            f"triage schedule: {days[0]}..{days[-1]} ({len(days)} day(s), window "
            f"{args.window} days, runner {args.runner}) -> {args.output}",
            file=sys.stderr,
        )
        if args.one_job:
            print(_line(schedule.run_range_one_job(base, days[0], days[-1], args.window)))
        else:
            schedule.run_days(base, days, args.window, on_day=lambda r: print(_line(r), flush=True))
    except RunLocked as exc:
        print(f"triage schedule: skipped: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    except ValueError as exc:
        raise CliError(str(exc)) from None
    except (TriageError, MissingPseudonymKeyError, InvalidPseudonymKeyError) as exc:
        raise CliError(str(exc)) from None
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `triage schedule` to the CLI's subcommands."""
    from pipeline.extract.lock import EX_TEMPFAIL  # deferred: Beam (seconds)

    p = sub.add_parser(
        "schedule",
        fromfile_prefix_chars="@",
        help="daily run with a dated extract and a rolling latest; or a backfill",
        description="Run the triage job for one day (--date, default yesterday UTC) or each "
        "day of a range (--from/--to) over the N days that end with it, writing "
        "OUT/daily/date=D/triage.duckdb and pointing OUT/latest at the newest day. Each day "
        "keeps the previous day's cluster ids. Re-running a day replaces that day only. "
        f"Exit 0 on success, {EX_TEMPFAIL} when another run holds OUT (skipped), 2 with one "
        "line on stderr on a fatal problem. Arguments can be read from @FILE, one per line.",
    )
    p.add_argument("--input", required=True, metavar="INPUT", help="input directory or URL")
    p.add_argument("--output", required=True, metavar="OUT", help="schedule output directory")
    p.add_argument(
        "--staging-location", metavar="DIR_OR_URL", help="see triage run (distributed runners)"
    )
    p.add_argument("--date", type=_day, metavar="D", help="the day to run (default: yesterday)")
    p.add_argument("--from", dest="date_from", type=_day, metavar="D1", help="backfill start")
    p.add_argument("--to", dest="date_to", type=_day, metavar="D2", help="backfill end")
    p.add_argument(
        "--window",
        type=int,
        default=14,
        metavar="N",
        help="days of reports each run covers, ending with its day (default 14)",
    )
    p.add_argument(
        "--one-job",
        action="store_true",
        help="backfill --from/--to as one job into OUT/backfill/ instead of day by day",
    )
    p.add_argument("--min-users", type=int, default=5, metavar="K", help="publication K")
    p.add_argument("--runner", default="local", help="local, multiprocess or a Beam runner")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="multiprocess")
    p.add_argument("--beam-arg", action="append", metavar="ARG", help="extra Beam option")
    p.add_argument(
        "--audit-budget",
        type=audit_budget,
        default=0.001,
        metavar="SHARE",
        help="share of texts with audit findings that fails a run; see triage run",
    )
    p.add_argument("--demo-key", action="store_true", help="public demo key (tests only)")
    p.set_defaults(func=_schedule)
