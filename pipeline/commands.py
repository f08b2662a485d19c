"""Subcommands beyond `simulate`, registered on the `triage` parser."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the pipeline's other subcommands (run, evaluate, query, dashboard) as they land."""
