"""infra/: the DAG, manifests, container and runner options reference the real entry point.

These checks need no tool beyond the project's: the DAG is read with Python's ast, the
manifests with PyYAML, the Dockerfile by its instructions, and the runner option files are
parsed with the real `triage` command line. The real tools (Airflow 2 and 3, kubernetes-validate,
External Secrets' models, Beam's option classes, hadolint, shellcheck) run in tests/infra/
under `make infra-check`.
"""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest
import yaml

from pipeline.cli.main import build_parser

INFRA = Path(__file__).resolve().parents[2] / "infra"
KEY_ENV = "TRIAGE_PSEUDONYM_KEY"


def _dag_tree() -> ast.Module:
    return ast.parse((INFRA / "airflow/triage_dag.py").read_text())


def _pod_operators(tree: ast.Module) -> dict[str, ast.Call]:
    ops = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "KubernetesPodOperator":
            kw = {k.arg: k.value for k in node.keywords}
            ops[kw["task_id"].value] = node
    return ops


def _constants(tree: ast.Module) -> dict:
    """Module-level names bound to literals (strings, lists of strings) in the DAG file."""
    out: dict = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except (ValueError, AttributeError):
                continue
    return out


def _arguments(tree: ast.Module, call: ast.Call) -> list[str]:
    """A pod's `arguments` list, with module constants and f-strings resolved."""
    (expr,) = [k.value for k in call.keywords if k.arg == "arguments"]
    code = compile(ast.Expression(expr), "triage_dag.py", "eval")
    return eval(code, {"__builtins__": {}}, _constants(tree))


def test_dag_parses_and_launches_triage_schedule_and_triage_run_on_dataflow():
    tree = _dag_tree()
    ops = _pod_operators(tree)
    assert set(ops) == {"triage_schedule", "triage_run"}
    args = _arguments(tree, ops["triage_schedule"])
    assert args[0] == "schedule"
    # The day that ended: the run's data interval, never `ds` (Airflow 3's cron timetable
    # stamps a run with its start, the day that has just begun).
    assert args[args.index("--date") + 1] == "{{ day_that_ended(dag_run) }}"
    assert not any("{{ ds" in a or "logical_date" in a for a in args)
    assert "@/etc/triage/runners/dataflow.args" in args
    assert any(a.startswith("--beam-arg=--temp_location=gs://") for a in args)
    incident = _arguments(tree, ops["triage_run"])
    assert incident[0] == "run"
    for flag in ("--input", "--output", "--since", "--until", "--previous-extract"):
        assert flag in incident
    assert "--runner=DataflowRunner" in incident


def test_dag_options_are_accepted_by_the_real_cli():
    """The literal flags of both tasks parse with `triage`'s own parser (templates as values)."""
    tree = _dag_tree()
    parser = build_parser()
    runners = INFRA / "runners"
    for task, call in _pod_operators(tree).items():
        args = [
            "@" + str(runners / Path(a[1:]).name) if a.startswith("@") else a
            for a in _arguments(tree, call)
        ]
        values = {"--date": "2025-08-27", "--since": "2025-08-27T00:00:00Z"}
        values["--until"] = "2025-08-27T06:00:00Z"
        args = [
            values[args[i - 1]] if "{{" in a and args[i - 1] in values else a
            for i, a in enumerate(args)
        ]
        ns = parser.parse_args(args)
        assert ns.command == args[0]
        assert ns.runner == "DataflowRunner", task
        assert any(a.startswith("--project=") for a in ns.beam_arg), task


def test_dag_takes_the_key_from_a_secret_never_from_a_file_or_variable():
    text = (INFRA / "airflow/triage_dag.py").read_text()
    tree = _dag_tree()
    secrets = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "Secret"
    ]
    assert len(secrets) == 1
    kw = {k.arg: k.value.value for k in secrets[0].keywords}
    assert kw["deploy_type"] == "env" and kw["deploy_target"] == KEY_ENV
    assert "secrets=[PSEUDONYM_KEY]" in text  # in POD_DEFAULTS, given to both operators
    for call in _pod_operators(tree).values():
        assert any(
            k.arg is None and getattr(k.value, "id", "") == "POD_DEFAULTS" for k in call.keywords
        )
    assert "pseudonym_key }}" not in text and "var.value.triage_pseudonym" not in text
    # The only rendered environment variable is the *name* of the key's Secret Manager
    # version, for the Dataflow workers; the key itself never travels as a rendered value.
    assert "env_vars=KEY_SECRET_NAME" in text
    assert _constants(tree)["KEY_SECRET_NAME"] == {
        "TRIAGE_KEY_SECRET": "{{ var.value.triage_key_secret }}"
    }
    assert text.count("env_vars") == 1


def _yaml_docs() -> dict[str, list[dict]]:
    return {
        p.name: list(yaml.safe_load_all(p.read_text()))
        for p in sorted((INFRA / "k8s").glob("*.yaml"))
    }


def _containers(doc: dict) -> list[dict]:
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec.get("template", {}).get("spec", {}).get("containers", [])


def test_manifests_parse_and_take_the_key_from_a_secret():
    docs = _yaml_docs()
    assert {"cronjob.yaml", "external-secret.yaml", "flink-runner.yaml"} <= set(docs)
    users = 0
    for name, items in docs.items():
        for doc in items:
            assert doc["apiVersion"] and doc["kind"] and doc["metadata"]["name"], name
            for c in _containers(doc):
                for env in c.get("env", []):
                    if env["name"] == KEY_ENV:
                        assert "value" not in env, f"{name}: key given as a literal value"
                        assert env["valueFrom"]["secretKeyRef"]["name"] == "triage-pseudonym-key"
                        users += 1
    assert users == 2  # the CronJob launcher and the SDK worker pool
    (secret,) = docs["external-secret.yaml"]
    assert secret["spec"]["target"]["name"] == "triage-pseudonym-key"
    assert secret["spec"]["secretStoreRef"]["name"] == "gcp-secret-manager"


def test_cronjob_runs_triage_schedule_once_at_a_time_with_the_flink_options():
    (cron,) = _yaml_docs()["cronjob.yaml"]
    assert cron["kind"] == "CronJob" and cron["spec"]["concurrencyPolicy"] == "Forbid"
    (container,) = _containers(cron)
    assert "command" not in container  # the image's ENTRYPOINT (`triage`) runs
    args = container["args"]
    assert args[0] == "schedule" and "@/etc/triage/runners/flink.args" in args
    rules = cron["spec"]["jobTemplate"]["spec"]["podFailurePolicy"]["rules"]
    assert any(r["action"] == "FailJob" and 2 in r["onExitCodes"]["values"] for r in rules)
    assert not any(
        75 in r.get("onExitCodes", {}).get("values", []) and r["action"] == "FailJob" for r in rules
    )
    flink_dir = INFRA / "runners"
    argv = [a if not a.startswith("@") else "@" + str(flink_dir / Path(a[1:]).name) for a in args]
    ns = build_parser().parse_args(argv)
    assert ns.runner == "PortableRunner"
    assert "--environment_config=beam-worker-pool:50000" in ns.beam_arg
    services = {
        d["metadata"]["name"] for d in _yaml_docs()["flink-runner.yaml"] if d["kind"] == "Service"
    }
    for opt in ns.beam_arg:
        m = re.match(r"--(?:job_endpoint|artifact_endpoint|environment_config)=([\w-]+):\d+", opt)
        if m:
            assert m.group(1) in services, opt


def _stages(text: str) -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    text = "\n".join(lines).replace("\\\n", " ")  # join continuation lines
    for line in text.splitlines():
        op, _, rest = line.partition(" ")
        if op.upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((op.upper(), rest))
    return stages


def test_dockerfile_default_stage_entrypoint_is_triage():
    stages = _stages((INFRA / "Dockerfile").read_text())
    final = dict(stages[-1])
    assert shlex.split(final["ENTRYPOINT"].replace("[", "").replace("]", "").replace(",", " ")) == [
        "triage"
    ]
    assert "CMD" in final
    worker = [dict(s) for s in stages if "AS worker" in s[0][1]]
    assert worker and worker[0]["ENTRYPOINT"] == '["/opt/apache/beam/boot"]'
    text = (INFRA / "Dockerfile").read_text()
    assert "COPY infra/runners /etc/triage/runners" in text
    assert KEY_ENV not in text  # the key is never baked into an image


@pytest.mark.parametrize(
    "name,runner",
    [("dataflow", "DataflowRunner"), ("flink", "PortableRunner"), ("spark", "PortableRunner")],
)
def test_runner_option_files_parse_with_triage_schedule(name, runner):
    path = INFRA / "runners" / f"{name}.args"
    ns = build_parser().parse_args(["schedule", "--input", "in", "--output", "out", f"@{path}"])
    assert ns.runner == runner and ns.beam_arg
    assert all(a.startswith("--") for a in ns.beam_arg)


def test_no_key_material_in_infra():
    for path in INFRA.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert not re.search(rf"{KEY_ENV}\s*[=:]\s*['\"]?[A-Za-z0-9+/]{{16,}}", text), path.name


def test_dockerfile_builds_the_static_embedding_table_into_the_image():
    """Built once at image build, as root, before the runtime user: workers only read it."""
    (base,) = [s for s in _stages((INFRA / "Dockerfile").read_text()) if "AS base" in s[0][1]]
    ops = [op for op, _ in base]
    env = " ".join(rest for op, rest in base if op == "ENV")
    assert "TRIAGE_MODEL_CACHE=/opt/triage/models" in env
    builds = [i for i, (op, rest) in enumerate(base) if op == "RUN" and "cached_static_dir" in rest]
    installs = [i for i, (op, rest) in enumerate(base) if op == "RUN" and "pip install ." in rest]
    assert len(builds) == 1 and installs and installs[0] < builds[0] < ops.index("USER")


@pytest.mark.parametrize("name", ["flink", "spark"])
def test_every_endpoint_of_a_portable_runner_is_a_service_in_the_manifests(name):
    """A runner option file must not point at a job server or worker pool that no manifest
    defines (spark.args once named a `beam-spark-job-server` that nothing deployed)."""
    path = INFRA / "runners" / f"{name}.args"
    ns = build_parser().parse_args(["schedule", "--input", "in", "--output", "out", f"@{path}"])
    services = {
        d["metadata"]["name"]: {p["port"] for p in d["spec"]["ports"]}
        for items in _yaml_docs().values()
        for d in items
        if d["kind"] == "Service"
    }
    endpoints = [
        m.groups()
        for opt in ns.beam_arg
        if (
            m := re.match(
                r"--(?:job|artifact)_endpoint=([\w-]+):(\d+)$|--environment_config=([\w-]+):(\d+)$",
                opt,
            )
        )
    ]
    assert len(endpoints) == 3, ns.beam_arg
    for groups in endpoints:
        host, port = [g for g in groups if g is not None]
        assert host in services and int(port) in services[host], (name, host, port)
