"""Dataflow workers get the pseudonym key from Secret Manager; a worker without it stops.

Workers on Dataflow have no environment of their own. The launcher's TRIAGE_KEY_SECRET (the
*name* of a Secret Manager version, set by the Airflow DAG) travels inside the pipeline in
``KeySource``; each worker reads the key in ``DoFn.setup`` with the real Secret Manager client,
here talking gRPC to a Secret Manager service on the loopback interface. The keys and ids are
synthetic.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from concurrent import futures
from pathlib import Path

import pytest

secretmanager = pytest.importorskip("google.cloud.secretmanager")
grpc = pytest.importorskip("grpc")

from apache_beam.internal import pickler  # noqa: E402

from pipeline.run.options import KEY_SECRET_ENV_VAR, KeySource, read_secret  # noqa: E402
from redaction import KEY_ENV_VAR, MissingPseudonymKeyError  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SECRET = "projects/test-proj/secrets/triage-pseudonym-key/versions/3"
WORKER_KEY = "synthetic-worker-key-0123456789abcdef"
METHOD = "/google.cloud.secretmanager.v1.SecretManagerService/AccessSecretVersion"


class _SecretManager(grpc.GenericRpcHandler):
    """A Secret Manager service with one secret version; records the names asked for."""

    def __init__(self, secrets: dict[str, str]):
        self.secrets = secrets
        self.asked: list[str] = []

    def service(self, details):  # noqa: ANN001, ANN201
        if details.method != METHOD:
            return None
        return grpc.unary_unary_rpc_method_handler(
            self.access,
            request_deserializer=secretmanager.AccessSecretVersionRequest.deserialize,
            response_serializer=secretmanager.AccessSecretVersionResponse.serialize,
        )

    def access(self, request, context):  # noqa: ANN001, ANN201
        self.asked.append(request.name)
        if request.name not in self.secrets:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "secretmanager.versions.access denied")
        return secretmanager.AccessSecretVersionResponse(
            name=request.name,
            payload=secretmanager.SecretPayload(data=self.secrets[request.name].encode()),
        )


@pytest.fixture
def secret_manager(monkeypatch):
    """The real client, pointed at a loopback Secret Manager holding SECRET = WORKER_KEY."""
    from google.cloud.secretmanager_v1.services.secret_manager_service.transports.grpc import (
        SecretManagerServiceGrpcTransport,
    )

    handler = _SecretManager({SECRET: WORKER_KEY})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    real_client = secretmanager.SecretManagerServiceClient

    def client():  # noqa: ANN202
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        return real_client(transport=SecretManagerServiceGrpcTransport(channel=channel))

    monkeypatch.setattr(secretmanager, "SecretManagerServiceClient", client)
    yield handler
    server.stop(None)


def test_the_secret_name_travels_in_the_pipeline_and_workers_read_the_key(
    secret_manager, monkeypatch
):
    # The launcher pod: its key from the Kubernetes Secret, the secret's name from the DAG.
    monkeypatch.setenv(KEY_ENV_VAR, "synthetic-launcher-key-0123456789")
    monkeypatch.setenv(KEY_SECRET_ENV_VAR, SECRET)
    source = KeySource()
    # What the pipeline graph carries: the secret's name, never a key.
    assert dataclasses.asdict(source) == {
        "env_var": KEY_ENV_VAR,
        "allow_demo": False,
        "secret": SECRET,
    }
    blob = pickler.dumps(source)  # as Beam serialises the DoFns for the workers
    # A Dataflow worker: neither variable in its environment.
    monkeypatch.delenv(KEY_ENV_VAR)
    monkeypatch.delenv(KEY_SECRET_ENV_VAR)
    worker_source = pickler.loads(blob)
    assert worker_source.resolve() == WORKER_KEY.encode()
    assert secret_manager.asked == [SECRET]


def test_a_key_in_the_environment_wins_and_secret_manager_is_not_asked(secret_manager, monkeypatch):
    monkeypatch.setenv(KEY_ENV_VAR, "synthetic-pool-key-0123456789abc")
    assert KeySource(secret=SECRET).resolve() == b"synthetic-pool-key-0123456789abc"
    assert secret_manager.asked == []


def test_an_unreadable_secret_is_one_line_naming_it(secret_manager, monkeypatch):
    monkeypatch.delenv(KEY_ENV_VAR, raising=False)
    other = "projects/test-proj/secrets/other/versions/1"
    with pytest.raises(MissingPseudonymKeyError) as err:
        KeySource(secret=other).resolve()
    message = str(err.value)
    assert "\n" not in message and other in message and "PermissionDenied" in message
    assert secret_manager.asked == [other]


@pytest.mark.parametrize(
    "name", ["triage-pseudonym-key", "projects/p/secrets/s", "projects/p/secrets/s/versions/"]
)
def test_a_secret_that_is_not_a_version_name_is_refused(name, secret_manager, monkeypatch):
    monkeypatch.delenv(KEY_ENV_VAR, raising=False)
    with pytest.raises(MissingPseudonymKeyError, match="projects/P/secrets/S/versions/V"):
        read_secret(name)
    assert secret_manager.asked == []


# A worker process: unpickles the DoFn's KeySource as the launcher pickled it and runs a real
# Beam pipeline with the DoFn that pseudonymises request ids (its setup resolves the key).
WORKER = """
import sys
import apache_beam as beam
import pyarrow as pa, pyarrow.parquet as pq
from apache_beam.internal import pickler
from pipeline.run.inputs import _KeyRoutingFile

key = pickler.loads(bytes.fromhex(sys.argv[1]))
path = sys.argv[2]
pq.write_table(pa.table({"request_id": ["req-1"], "ts": pa.array([0], pa.int64())}), path)
with beam.Pipeline(runner="DirectRunner") as p:
    (p | beam.Create([path]) | beam.ParDo(_KeyRoutingFile(key, []))
       | beam.Map(lambda t: print("PSEUDONYMISED", t.num_rows)))
"""


def _run_worker(blob: bytes, tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", WORKER, blob.hex(), str(tmp_path / "routing.parquet")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", **env},
        timeout=300,
    )


def test_a_worker_without_the_key_stops_with_one_line_never_the_demo_key(tmp_path, monkeypatch):
    # The launcher had a key and even asked for --demo-key: the demo fallback is dropped, so
    # a worker that lacks the key cannot fall back to the public demo key.
    monkeypatch.setenv(KEY_ENV_VAR, "synthetic-launcher-key-0123456789")
    monkeypatch.delenv(KEY_SECRET_ENV_VAR, raising=False)
    source = KeySource(allow_demo=True)
    assert source.allow_demo is False
    proc = _run_worker(pickler.dumps(source), tmp_path, {})
    assert proc.returncode != 0
    assert "PSEUDONYMISED" not in proc.stdout
    lines = [ln for ln in proc.stderr.splitlines() if "MissingPseudonymKeyError:" in ln]
    assert lines, proc.stderr[-2000:]
    assert f"{KEY_ENV_VAR} is not set and {KEY_SECRET_ENV_VAR} names no secret" in lines[-1]
    # The same worker with the key in its environment pseudonymises (the check above is the
    # missing key, not a broken worker).
    ok = _run_worker(pickler.dumps(source), tmp_path, {KEY_ENV_VAR: WORKER_KEY})
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert "PSEUDONYMISED 1" in ok.stdout


def test_the_demo_key_still_serves_a_launcher_without_any_key(monkeypatch):
    monkeypatch.delenv(KEY_ENV_VAR, raising=False)
    monkeypatch.delenv(KEY_SECRET_ENV_VAR, raising=False)
    source = KeySource(allow_demo=True)
    assert source.allow_demo is True
    with pytest.warns(UserWarning, match="DEMO"):
        assert source.resolve()  # the public demo key, loudly
