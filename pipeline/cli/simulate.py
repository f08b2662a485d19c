"""`triage simulate`: write a replay (contract inputs plus its truth) for a scenario."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from pipeline.errors import CliError


def _command(args: argparse.Namespace) -> int:
    from pipeline.replay.generate import main_progress, simulate  # deferred: only this command
    from pipeline.replay.scenarios import SCENARIOS  # deferred: only this command

    if args.scenario not in SCENARIOS:
        raise CliError(f"unknown scenario {args.scenario!r} (available: {', '.join(SCENARIOS)})")
    t0 = time.monotonic()
    summary = simulate(
        Path(args.output),
        seed=args.seed,
        scale=args.scale,
        progress=None if args.quiet else main_progress,
        scenario=args.scenario,
    )
    print(
        f"replay written to {args.output} in {time.monotonic() - t0:.1f}s: "
        f"{summary['reports']:,} reports ("
        + ", ".join(
            f"{k.removeprefix('reports_')} {v:,}"
            for k, v in summary.items()
            if k.startswith("reports_")
        )
        + f"), {summary.get('malformed_lines', 0)} malformed lines, "
        f"{summary.get('duplicate_lines', 0)} duplicate lines; truth in {args.output}/truth"
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `triage simulate` to the subcommands."""
    sim = sub.add_parser(
        "simulate",
        help="write a replay of the 2025 incident (or another scenario) as contract inputs "
        "plus its truth",
        description="Write contract-conformant inputs (feedback, routing, traffic, deploys) "
        "that replay the incident in shared/INCIDENT.md or another scenario, and a truth/ "
        "folder the pipeline never reads. Deterministic for a seed. Scenarios: postmortem "
        "(the incident), kernel (a kernel bug on one hardware kind in one region, an innocent "
        "release the same hour, a UI complaint wave), custom-column (a bug keyed on a column "
        "the contract does not name), sampler (a sampler bug users only call 'worse', beside "
        "a routing bug), null (no bug). See docs/replay.md.",
    )
    sim.add_argument(
        "--scenario",
        default="postmortem",
        help="postmortem (default), kernel, custom-column, sampler or null",
    )
    sim.add_argument("--output", required=True, metavar="DIR", help="directory to write")
    sim.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    sim.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="traffic multiplier; 1.0 gives about 20,000 reports (default 1.0)",
    )
    sim.add_argument("--quiet", action="store_true", help="no per-day progress on stderr")
    sim.set_defaults(func=_command)
