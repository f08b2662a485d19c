"""Every manifest in infra/k8s is valid for the Kubernetes and External Secrets releases of
today: kubernetes-validate --strict (unknown fields rejected) for Kubernetes 1.29..1.37, and
the External Secrets Operator's v1 model (npm @kubernetes-models/external-secrets) for the
ExternalSecret, which kubernetes-validate has no schema for."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.infra.conftest import INFRA, K8S_VERSIONS, tool

MANIFESTS = sorted((INFRA / "k8s").glob("*.yaml"))
ESO_KINDS = {("external-secrets.io/v1", "ExternalSecret")}


def _docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda p: p.name)
def test_built_in_kinds_are_strictly_valid(manifest, version):
    validate = tool("TRIAGE_KUBERNETES_VALIDATE", ".venv-infra/bin/kubernetes-validate",
                    "kubernetes-validate")  # fmt: skip
    proc = subprocess.run(
        [str(validate), "--strict", "-k", version, str(manifest)],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", **os.environ},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    docs = _docs(manifest)
    built_in = [d for d in docs if (d["apiVersion"], d["kind"]) not in ESO_KINDS]
    # Each built-in resource passed; only the External Secrets kinds lack a schema here.
    assert proc.stdout.count(" passed for resource ") == len(built_in), proc.stdout
    assert proc.stdout.count("Couldn't find schema") == len(docs) - len(built_in), proc.stdout


def _eso_models() -> Path:
    if shutil.which("node") is None:
        pytest.skip("External Secrets models: node is not installed")
    return tool("TRIAGE_ESO_MODELS",
                  ".infra-node/node_modules/@kubernetes-models/external-secrets",
                  "External Secrets models (npm @kubernetes-models/external-secrets)")  # fmt: skip


def test_external_secrets_are_valid_external_secrets_io_v1():
    models = _eso_models()
    docs = [d for p in MANIFESTS for d in _docs(p) if d["apiVersion"].startswith("external-")]
    assert len(docs) == 1  # the pseudonym key's ExternalSecret
    proc = subprocess.run(
        ["node", str(Path(__file__).with_name("eso_validate.mjs")), str(models)],
        input=json.dumps(docs), capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "triage-pseudonym-key: valid external-secrets.io/v1 ExternalSecret" in proc.stdout


def test_the_external_secrets_check_rejects_an_old_api_version_and_unknown_fields():
    """The check above can fail: the v1beta1 manifest this project had, and a misspelled
    field, are both refused."""
    models = _eso_models()
    (doc,) = _docs(INFRA / "k8s/external-secret.yaml")
    beta = {**doc, "apiVersion": "external-secrets.io/v1beta1"}
    typo = json.loads(json.dumps(doc))
    typo["spec"]["refreshIntervall"] = typo["spec"].pop("refreshInterval")
    proc = subprocess.run(
        ["node", str(Path(__file__).with_name("eso_validate.mjs")), str(models)],
        input=json.dumps([beta, typo]), capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "v1beta1 ExternalSecret is not external-secrets.io/v1" in proc.stdout
    assert "spec.refreshIntervall is not a field ESO knows" in proc.stdout
