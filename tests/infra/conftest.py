"""Where the real deployment tools live, and when their checks run.

The tools live outside the project's virtual environment (Airflow must not be installed
into it): `make infra-check` installs them into ignored folders and runs these tests with
TRIAGE_INFRA_CHECK=1. Without that variable the real-tool tests skip, saying so; with it, a
tool that could not be installed skips with the reason, and an installed tool's check runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
# Kubernetes minor versions checked (kubernetes-validate ships schemas 1.25..1.37).
K8S_VERSIONS = [f"1.{m}.0" for m in range(29, 38)]


def infra_check_enabled() -> bool:
    return os.environ.get("TRIAGE_INFRA_CHECK") == "1"


def tool(env_var: str, default: str, what: str) -> Path:
    """The path of an installed tool (``$env_var`` or ROOT/default), or skip with why."""
    if not infra_check_enabled():
        pytest.skip(f"{what}: a real-tool check, run by `make infra-check`")
    path = Path(os.environ.get(env_var) or ROOT / default)
    if not path.exists():
        pytest.skip(f"{what}: not installed at {path} (`make infra-check` installs it)")
    return path
