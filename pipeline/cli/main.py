"""The `triage` command line: one entry point; each subcommand is a module of this package
with a ``register(sub)`` that adds its parser."""

from __future__ import annotations

import argparse
import sys

from pipeline.cli import dashboard, evaluate, query, run, schedule, simulate
from pipeline.errors import CliError

__all__ = ["CliError", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="triage",
        description="Privacy-preserving triage of LLM user feedback: what broke, where, "
        "since which deploy.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for command in (simulate, run, evaluate, query, schedule, dashboard):
        command.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"triage {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"triage {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
