"""Airflow DAGs for the triage job on Dataflow (see docs/scheduling.md).

- ``triage_daily``: every night, `triage schedule --date {{ ds }}` (the day that just ended)
  writes OUT/daily/date=D/triage.duckdb and moves OUT/latest; ``catchup`` turns a gap in the
  schedule into a day-by-day backfill, oldest first (``max_active_runs=1``, ``depends_on_past``).
- ``triage_incident``: triggered by hand during an incident, `triage run` over the last
  ``hours`` hours into OUT/incident, keeping the latest extract's cluster ids.

Both run the job's container (ENTRYPOINT `triage`, infra/Dockerfile) in a pod that launches
the Beam job on Dataflow. The pseudonym key comes from Google Secret Manager, synced into the
Kubernetes Secret ``triage-pseudonym-key`` by infra/k8s/external-secret.yaml: it never passes
through Airflow (no Variable, no XCom, no rendered template) and never lies in the repository.
Exit status 75 means another run holds the output directory: the task fails and retries later.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow import DAG
from airflow.models.param import Param
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.cncf.kubernetes.secret import Secret
from kubernetes.client import models as k8s

IMAGE = "{{ var.value.triage_image }}"
INPUT = "{{ var.value.triage_input }}"  # gs://bucket/exports (date=YYYY-MM-DD partitions)
OUTPUT = "/data/triage"  # the extract volume, also mounted by the dashboard (read-only)
WINDOW_DAYS = "14"

# Site-specific Dataflow options; the generic ones are in infra/runners/dataflow.args.
DATAFLOW_ARGS = [
    "@/etc/triage/runners/dataflow.args",
    "--beam-arg=--project={{ var.value.gcp_project }}",
    "--beam-arg=--temp_location=gs://{{ var.value.triage_bucket }}/dataflow/tmp",
    "--beam-arg=--staging_location=gs://{{ var.value.triage_bucket }}/dataflow/staging",
    "--beam-arg=--sdk_container_image={{ var.value.triage_worker_image }}",
    # Workers write the staged tables here; the pod reads them back and publishes to OUTPUT.
    "--staging-location=gs://{{ var.value.triage_bucket }}/triage/staging",
    "--beam-arg=--service_account_email={{ var.value.triage_worker_sa }}",
    "--beam-arg=--job_name=triage-{{ ds_nodash }}-{{ ti.try_number }}",
]

PSEUDONYM_KEY = Secret(
    deploy_type="env",
    deploy_target="TRIAGE_PSEUDONYM_KEY",
    secret="triage-pseudonym-key",
    key="key",
)

VOLUME = k8s.V1Volume(
    name="extracts",
    persistent_volume_claim=k8s.V1PersistentVolumeClaimVolumeSource(claim_name="triage-extracts"),
)
MOUNT = k8s.V1VolumeMount(name="extracts", mount_path=OUTPUT)

POD_DEFAULTS = dict(
    namespace="triage",
    image=IMAGE,
    secrets=[PSEUDONYM_KEY],
    volumes=[VOLUME],
    volume_mounts=[MOUNT],
    service_account_name="triage-launcher",
    get_logs=True,
    on_finish_action="delete_pod",
    container_resources=k8s.V1ResourceRequirements(
        requests={"cpu": "1", "memory": "4Gi"}, limits={"memory": "8Gi"}
    ),
)

DEFAULT_ARGS = {
    "owner": "triage",
    "retries": 3,
    "retry_delay": timedelta(minutes=20),
    "retry_exponential_backoff": True,
}

with DAG(
    dag_id="triage_daily",
    description="Nightly triage extract for the day that ended (dated + latest)",
    schedule="30 1 * * *",  # 01:30 UTC: late exports of the previous day have landed
    start_date=datetime(2025, 8, 1),
    catchup=True,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "depends_on_past": True},
    tags=["triage"],
) as daily:
    KubernetesPodOperator(
        task_id="triage_schedule",
        name="triage-schedule",
        arguments=[
            "schedule",
            "--input",
            INPUT,
            "--output",
            OUTPUT,
            "--date",
            "{{ ds }}",
            "--window",
            WINDOW_DAYS,
            *DATAFLOW_ARGS,
        ],
        execution_timeout=timedelta(hours=4),
        **POD_DEFAULTS,
    )

with DAG(
    dag_id="triage_incident",
    description="On-demand triage of the last hours during an incident",
    schedule=None,
    start_date=datetime(2025, 8, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={"hours": Param(6, type="integer", minimum=1, maximum=24 * 14)},
    tags=["triage", "incident"],
) as incident:
    KubernetesPodOperator(
        task_id="triage_run",
        name="triage-incident",
        arguments=[
            "run",
            "--input",
            INPUT,
            "--output",
            f"{OUTPUT}/incident",
            "--since",
            "{{ (dag_run.logical_date - macros.timedelta(hours=params.hours))"
            ".strftime('%Y-%m-%dT%H:%M:%SZ') }}",
            "--until",
            "{{ dag_run.logical_date.strftime('%Y-%m-%dT%H:%M:%SZ') }}",
            "--previous-extract",
            f"{OUTPUT}/latest/triage.duckdb",
            *[a for a in DATAFLOW_ARGS if not a.startswith("@")],
            "--runner=DataflowRunner",
            "--beam-arg=--region=europe-west1",
            "--beam-arg=--experiments=use_runner_v2",
            "--beam-arg=--sdk_location=container",
        ],
        execution_timeout=timedelta(hours=2),
        **POD_DEFAULTS,
    )
