"""The command line: every subcommand is registered and documents its options."""

from __future__ import annotations

import pytest

from pipeline.cli.main import build_parser


def _help(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([*argv, "--help"])
    assert exc.value.code == 0
    return capsys.readouterr().out


def test_subcommands_are_listed(capsys):
    text = _help(capsys)
    for command in ("simulate", "run", "evaluate", "query", "dashboard", "schedule"):
        assert command in text


def test_run_help_explains_every_option(capsys):
    text = _help(capsys, "run")
    parser = build_parser()
    run = parser._subparsers._group_actions[0].choices["run"]
    for action in run._actions:
        if action.option_strings and action.dest != "help":
            assert action.help, action.option_strings
            assert action.option_strings[0] in text


def test_run_defaults_match_the_contract():
    args = build_parser().parse_args(["run", "--input", "IN", "--output", "OUT"])
    assert args.min_users == 5 and args.runner == "local" and args.embedding == "static"
    assert args.since is None and args.until is None and args.demo_key is False


def test_bad_timestamp_is_rejected_with_its_format(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--input", "I", "--output", "O", "--until", "noon"])
    assert "RFC 3339" in capsys.readouterr().err
