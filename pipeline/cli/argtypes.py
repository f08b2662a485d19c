"""Argument types shared by the subcommands: RFC 3339 timestamps, positive integers and the
audit budget, each rejected by argparse with a message that names the expected format."""

from __future__ import annotations

import argparse
from datetime import datetime

from pipeline.run.options import audit_budget_share
from pipeline.run.validate import parse_timestamp


def timestamp(value: str) -> datetime:
    ts = parse_timestamp(value)
    if ts is None:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an RFC 3339 timestamp with offset, e.g. 2025-08-26T12:00:00Z"
        )
    return ts


def positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive integer")
    return n


def audit_budget(value: str) -> float:
    try:
        return audit_budget_share(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
