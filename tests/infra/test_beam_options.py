"""Every Beam option in the runner files and the DAG is a real option of Beam's own option
classes (apache_beam.options.pipeline_options, the installed Beam), spelled exactly, and its
value parses there (types and choices). Runs in the project's environment."""

from __future__ import annotations

import ast
import re

import pytest

from pipeline.cli.main import build_parser
from tests.infra.conftest import INFRA

RUNNER_FILES = sorted((INFRA / "runners").glob("*.args"))


def _beam_parser():  # noqa: ANN202
    """One argparse parser with every option of every PipelineOptions class Beam registers."""
    import apache_beam.runners  # noqa: F401 - registers the runners' option classes
    from apache_beam.options.pipeline_options import PipelineOptions, _BeamArgumentParser

    def subclasses(cls):  # noqa: ANN001, ANN202
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    parser = _BeamArgumentParser(allow_abbrev=False)
    for cls in dict.fromkeys(subclasses(PipelineOptions)):
        if cls.__module__.startswith("apache_beam."):
            cls._add_argparse_args(parser)
    return parser


@pytest.fixture(scope="module")
def beam():  # noqa: ANN201
    return _beam_parser()


def _check(beam, flags: list[str]) -> None:  # noqa: ANN001
    names = {f.split("=", 1)[0] for f in flags}
    unknown = sorted(n for n in names if n not in beam._option_string_actions)
    assert not unknown, f"not Beam options: {unknown}"
    beam.parse_args(flags)  # values: types and choices (exits on a bad one)


@pytest.mark.parametrize("path", RUNNER_FILES, ids=lambda p: p.name)
def test_runner_files_hold_only_real_beam_options(beam, path):
    ns = build_parser().parse_args(["schedule", "--input", "in", "--output", "out", f"@{path}"])
    _check(beam, [f"--runner={ns.runner}", *ns.beam_arg])


def test_the_dags_beam_options_are_real_beam_options(beam):
    text = (INFRA / "airflow/triage_dag.py").read_text()
    flags = [
        m.group(1)
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        for m in [re.match(r"--beam-arg=(--\w+=?.*)", node.value)]
        if m
    ]
    assert len(flags) >= 8
    # Template values become a plausible literal of the option's type.
    flags = [re.sub(r"\{\{.*?\}\}", "x", f) for f in flags]
    _check(beam, flags)


def test_the_check_refuses_a_misspelt_or_abbreviated_option(beam):
    with pytest.raises(AssertionError, match="not Beam options"):
        _check(beam, ["--max_num_worker=20"])
    with pytest.raises(SystemExit):  # a real option with a value outside its choices
        _check(beam, ["--autoscaling_algorithm=FASTEST"])
