"""`triage dashboard`: start the Streamlit dashboard (app/main.py) over an extract."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

APP_ENTRY = Path(__file__).resolve().parents[2] / "app" / "main.py"


def streamlit_command(extract: Path, host: str = "127.0.0.1", port: int = 8501) -> list[str]:
    """The argv that serves the dashboard: the venv's streamlit, headless, no telemetry."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_ENTRY),
        "--server.headless",
        "true",
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--",
        "--extract",
        str(extract),
    ]


def _dashboard(args: argparse.Namespace) -> int:
    extract = Path(args.extract).resolve()
    if not extract.exists():
        # Not fatal: the page says so and loads the extract as soon as a run writes it.
        print(f"triage dashboard: no extract at {extract} yet; waiting for one", file=sys.stderr)
    print(f"triage dashboard: http://{args.host}:{args.port}/ over {extract}", file=sys.stderr)
    env = dict(os.environ, TRIAGE_EXTRACT=str(extract))
    argv = streamlit_command(extract, args.host, args.port)
    # Become the server (exec): a signal to `triage dashboard` reaches Streamlit itself and
    # no orphaned server can outlive it.
    os.execve(argv[0], argv, env)
    return 0  # not reached


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "dashboard",
        help="serve the triage dashboard over an extract (Streamlit)",
        description="Start the Streamlit dashboard over OUT/triage.duckdb, read-only. It "
        "reloads when a new extract is swapped in and says so when the file is missing or "
        "from another contract version.",
    )
    p.add_argument("--extract", required=True, metavar="DB", help="path to OUT/triage.duckdb")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    p.set_defaults(func=_dashboard)
