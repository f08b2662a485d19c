"""infra/airflow in a real Airflow 2.11 and 3.x: both DAGs load, and each run renders the
arguments and the pod it should (tests/infra/airflow_probe.py does the Airflow side).

The daily run that fires at 01:30 UTC on Aug 28 must triage Aug 27, the day that ended, on
both Airflow majors (Airflow 3's default cron timetable would give Aug 28), and the incident
run must render when triggered without a logical date (Airflow 3's default).
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.cli.main import build_parser
from tests.infra.conftest import INFRA, K8S_VERSIONS, ROOT, tool

VARIABLES = {
    "triage_image": "registry.example.com/triage:1.0",
    "triage_input": "gs://triage-bucket/exports",
    "gcp_project": "triage-proj",
    "triage_bucket": "triage-bucket",
    "triage_worker_image": "registry.example.com/triage-worker:1.0",
    "triage_worker_sa": "triage-worker@triage-proj.iam.gserviceaccount.com",
    "triage_key_secret": "projects/triage-proj/secrets/triage-pseudonym-key/versions/3",
}
FIRES_AT = datetime(2025, 8, 28, 1, 30, tzinfo=UTC)
TRIGGERED_AT = datetime(2025, 8, 28, 14, 5, tzinfo=UTC)
AIRFLOWS = {
    "airflow2": ("TRIAGE_AIRFLOW2_PYTHON", ".venv-airflow2/bin/python", "Airflow 2.11"),
    "airflow3": ("TRIAGE_AIRFLOW3_PYTHON", ".venv-airflow3/bin/python", "Airflow 3"),
}


@pytest.fixture(scope="module", params=sorted(AIRFLOWS))
def probe(request, tmp_path_factory) -> tuple[dict, Path]:
    python = tool(*AIRFLOWS[request.param])
    home = tmp_path_factory.mktemp(f"{request.param}-home")
    out = tmp_path_factory.mktemp(f"{request.param}-out")
    env = {
        "PATH": f"{python.parent}:/usr/bin:/bin",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(INFRA / "airflow"),
        **{f"AIRFLOW_VAR_{k.upper()}": v for k, v in VARIABLES.items()},
    }
    proc = subprocess.run(
        [str(python), str(Path(__file__).with_name("airflow_probe.py")), str(INFRA / "airflow"),
         str(out)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((out / "probe.json").read_text()), out


def _arg(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]


def _runs(result: dict) -> dict:
    assert not result["import_errors"], result["import_errors"]
    errors = {k: v["traceback"] for k, v in result["runs"].items() if "error" in v}
    assert not errors, errors
    return result["runs"]


def test_both_dags_load_without_errors_or_deprecations(probe):
    result, _ = probe
    assert result["dags"] == ["triage_daily", "triage_incident"]
    assert result["import_errors"] == {}
    # No deprecation raised by the DAG file (airflow.models.param.Param is deprecated on
    # Airflow 3). Warnings from inside Airflow or a provider are not the DAG's to fix.
    ours = [
        w for ws in result["warnings"].values() for w in ws if w.startswith(str(INFRA / "airflow"))
    ]
    assert ours == [], ours


def test_the_daily_run_triages_the_day_that_ended(probe):
    runs = _runs(probe[0])
    daily = runs["daily"]
    assert daily["run_after"] == FIRES_AT.isoformat()
    assert daily["data_interval"] == [
        (FIRES_AT - timedelta(days=1)).isoformat(),
        FIRES_AT.isoformat(),
    ]
    assert _arg(daily["arguments"], "--date") == "2025-08-27"
    assert "--beam-arg=--job_name=triage-20250827-" in " ".join(daily["arguments"])


def test_the_incident_run_ends_at_its_logical_date_or_when_triggered(probe):
    result, _ = probe
    runs = _runs(result)
    names = ["incident_logical"] + (["incident_no_logical"] if result["airflow3"] else [])
    for name in names:
        args = runs[name]["arguments"]
        assert _arg(args, "--until") == "2025-08-28T14:05:00Z", name
        assert _arg(args, "--since") == "2025-08-28T08:05:00Z", name  # the default 6 hours
    if result["airflow3"]:
        # A daily run triggered by hand without a logical date triages the day before.
        assert _arg(runs["daily_no_logical"]["arguments"], "--date") == "2025-08-27"


def test_rendered_arguments_parse_with_the_real_triage_cli(probe):
    parser = build_parser()
    for name, run in _runs(probe[0]).items():
        args = [
            "@" + str(INFRA / "runners" / Path(a[1:]).name) if a.startswith("@") else a
            for a in run["arguments"]
        ]
        ns = parser.parse_args(args)
        assert ns.runner == "DataflowRunner", name
        assert f"--project={VARIABLES['gcp_project']}" in ns.beam_arg, name
        assert not any("{{" in a for a in args), name


def test_the_pods_take_the_key_from_the_secret_and_name_the_secret_for_the_workers(probe):
    result, out = probe
    for name, run in _runs(result).items():
        pod = json.loads((out / run["pod"]).read_text())
        (container,) = pod["spec"]["containers"]
        env = {e["name"]: e for e in container["env"]}
        assert env["TRIAGE_PSEUDONYM_KEY"]["valueFrom"]["secretKeyRef"] == {
            "name": "triage-pseudonym-key",
            "key": "key",
        }, name
        assert "value" not in env["TRIAGE_PSEUDONYM_KEY"]
        assert env["TRIAGE_KEY_SECRET"]["value"] == VARIABLES["triage_key_secret"], name


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_the_pods_airflow_builds_are_valid_kubernetes(probe, version):
    result, out = probe
    validate = tool("TRIAGE_KUBERNETES_VALIDATE", ".venv-infra/bin/kubernetes-validate",
                    "kubernetes-validate")  # fmt: skip
    pods = [str(out / run["pod"]) for run in _runs(result).values()]
    proc = subprocess.run(
        [str(validate), "--strict", "-k", version, *pods],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", **os.environ},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("passed for resource pod/") == len(pods), proc.stdout
