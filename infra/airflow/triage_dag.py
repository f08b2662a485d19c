"""Airflow DAGs for the triage job on Dataflow (see docs/scheduling.md).

Supported: Airflow 2.11 and 3.x (checked with 2.11.2 and 3.3.2, see docs/scheduling.md) with
the cncf.kubernetes provider.

- ``triage_daily``: every night at 01:30 UTC, `triage schedule --date D` for the day D that
  has just ended, writing OUT/daily/date=D/triage.duckdb and moving OUT/latest; ``catchup``
  turns a gap in the schedule into a day-by-day backfill, oldest first
  (``max_active_runs=1``, ``depends_on_past``). D is the start of the run's *data interval*
  under an explicit ``CronDataIntervalTimetable`` (the run firing at 01:30 on Aug 28 covers
  [Aug 27 01:30, Aug 28 01:30), so D = Aug 27) on Airflow 2 and 3 alike. Not ``{{ ds }}``:
  Airflow 3 maps a cron string to ``CronTriggerTimetable``, whose logical date is the firing
  time, so ``ds`` would be the day that has just begun.
- ``triage_incident``: triggered by hand during an incident, `triage run` over the ``hours``
  hours up to the run's logical date or, for a run triggered without one (Airflow 3's
  default), up to when it was triggered (``run_after``), into OUT/incident, keeping the
  latest extract's cluster ids.

Both run the job's container (ENTRYPOINT `triage`, infra/Dockerfile) in a pod that launches
the Beam job on Dataflow. The pseudonym key comes from Google Secret Manager, synced into the
Kubernetes Secret ``triage-pseudonym-key`` by infra/k8s/external-secret.yaml: it never passes
through Airflow (no Variable, no XCom, no rendered template) and never lies in the repository.
Dataflow workers have no environment of their own: the launcher pod's ``TRIAGE_KEY_SECRET``
(the Variable ``triage_key_secret``: the *name* of a pinned Secret Manager version) travels
inside the pipeline, and each worker reads the key with its service account
(``pipeline.run.options.KeySource``). A worker without the key stops with one line.
Exit status 75 means another run holds the output directory: the task fails and retries later.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.cncf.kubernetes.secret import Secret

try:  # Airflow 3: the task SDK (airflow.models.param.Param is deprecated there)
    from airflow.sdk import DAG, Param
except ImportError:  # Airflow 2.11
    from airflow import DAG
    from airflow.models.param import Param
try:  # Airflow 3.3 (checked; 3.0 lacks it)
    from airflow.sdk import CronDataIntervalTimetable
except ImportError:  # Airflow 2.11, 3.0
    from airflow.timetables.interval import CronDataIntervalTimetable
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

# The *name* of the key's Secret Manager version (projects/P/secrets/S/versions/N, a pinned
# version: a rotation mid-run must not mix keys), never the key. The launcher carries it to
# the Dataflow workers (pipeline.run.options.KeySource.secret); the workers' service account
# needs roles/secretmanager.secretAccessor on it.
KEY_SECRET_NAME = {"TRIAGE_KEY_SECRET": "{{ var.value.triage_key_secret }}"}

POD_DEFAULTS = dict(
    namespace="triage",
    image=IMAGE,
    secrets=[PSEUDONYM_KEY],
    env_vars=KEY_SECRET_NAME,
    volumes=[VOLUME],
    volume_mounts=[MOUNT],
    service_account_name="triage-launcher",
    get_logs=True,
    on_finish_action="delete_pod",
    container_resources=k8s.V1ResourceRequirements(
        requests={"cpu": "1", "memory": "4Gi"}, limits={"memory": "8Gi"}
    ),
)


def window_end(dag_run) -> datetime:  # noqa: ANN001 - Airflow 2 and 3 DagRun types differ
    """When the incident window ends (UTC): the run's logical date, or when the run was
    triggered (``run_after``) for an Airflow 3 run triggered without a logical date."""
    end = dag_run.logical_date or getattr(dag_run, "run_after", None)
    if end is None:
        raise ValueError("the run has neither a logical date nor a run_after time")
    return end.astimezone(UTC)


def day_that_ended(dag_run) -> str:  # noqa: ANN001
    """The day the daily run triages (YYYY-MM-DD, UTC): the start of the run's data interval
    (the scheduled run firing at 01:30 on Aug 28 covers [Aug 27 01:30, Aug 28 01:30): Aug 27);
    for an Airflow 3 run triggered without a logical date (no interval), the day before it
    was triggered."""
    start = dag_run.data_interval_start
    if start is None:
        start = window_end(dag_run) - timedelta(days=1)
    return start.astimezone(UTC).strftime("%Y-%m-%d")


def iso_z(moment: datetime) -> str:
    """``2025-08-27T13:00:00Z``: the form `triage run --since/--until` reads."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


DEFAULT_ARGS = {
    "owner": "triage",
    "retries": 3,
    "retry_delay": timedelta(minutes=20),
    "retry_exponential_backoff": True,
}

with DAG(
    dag_id="triage_daily",
    description="Nightly triage extract for the day that ended (dated + latest)",
    # 01:30 UTC: late exports of the previous day have landed. A data-interval timetable, so
    # that data_interval_start is the day that ended on Airflow 2 and 3 alike.
    schedule=CronDataIntervalTimetable("30 1 * * *", timezone="UTC"),
    start_date=datetime(2025, 8, 1),
    catchup=True,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "depends_on_past": True},
    user_defined_macros={"day_that_ended": day_that_ended},
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
            "{{ day_that_ended(dag_run) }}",
            "--window",
            WINDOW_DAYS,
            *DATAFLOW_ARGS,
            "--beam-arg=--job_name=triage-{{ day_that_ended(dag_run) | replace('-', '') }}"
            "-{{ ti.try_number }}",
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
    user_defined_macros={"window_end": window_end, "iso_z": iso_z},
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
            "{{ iso_z(window_end(dag_run) - macros.timedelta(hours=params.hours)) }}",
            "--until",
            "{{ iso_z(window_end(dag_run)) }}",
            "--previous-extract",
            f"{OUTPUT}/latest/triage.duckdb",
            *[a for a in DATAFLOW_ARGS if not a.startswith("@")],
            "--runner=DataflowRunner",
            "--beam-arg=--region=europe-west1",
            "--beam-arg=--experiments=use_runner_v2",
            "--beam-arg=--sdk_location=container",
            "--beam-arg=--job_name=triage-incident-"
            "{{ window_end(dag_run).strftime('%Y%m%d-%H%M%S') }}-{{ ti.try_number }}",
        ],
        execution_timeout=timedelta(hours=2),
        **POD_DEFAULTS,
    )
