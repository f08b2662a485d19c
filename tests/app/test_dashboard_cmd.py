"""`triage dashboard` is registered and serves app/main.py headless on localhost."""

from __future__ import annotations

from pathlib import Path

from pipeline.cli.dashboard import APP_ENTRY, streamlit_command
from pipeline.cli.main import build_parser


def test_dashboard_subcommand_defaults():
    args = build_parser().parse_args(["dashboard", "--extract", "out/triage.duckdb"])
    assert (args.host, args.port, args.extract) == ("127.0.0.1", 8501, "out/triage.duckdb")
    assert args.func.__module__ == "pipeline.cli.dashboard"


def test_streamlit_command_line():
    argv = streamlit_command(Path("/x/triage.duckdb"), port=9999)
    assert APP_ENTRY.is_file() and argv[2:5] == ["streamlit", "run", str(APP_ENTRY)]
    pairs = dict(zip(argv[5:-3:2], argv[6:-3:2], strict=True))
    assert pairs["--server.headless"] == "true"
    assert pairs["--server.address"] == "127.0.0.1"
    assert pairs["--server.port"] == "9999"
    assert argv[-3:] == ["--", "--extract", "/x/triage.duckdb"]
