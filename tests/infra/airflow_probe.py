"""Load infra/airflow in a real Airflow and render its runs; print what it saw as JSON.

Run by tests/infra/test_airflow.py with the Python of an Airflow virtual environment
(.venv-airflow2, .venv-airflow3), never the project's: Airflow is not a project dependency.
Usage: ``python airflow_probe.py DAG_FOLDER OUT_DIR``. AIRFLOW_HOME must point at an empty
folder (the probe migrates a SQLite metadata database there) and the DAG's Variables come
from AIRFLOW_VAR_* environment variables. Writes OUT_DIR/probe.json and one pod manifest per
rendered run (OUT_DIR/pod-*.json), which the test validates with kubernetes-validate.

What it does, the way the scheduler and a worker do it:
- a DagBag of the folder (import errors, DAG ids);
- the daily run that fires at 01:30 UTC on 2025-08-28: its data interval from the DAG's own
  timetable (``next_dagrun_info`` after the previous interval, as the scheduler asks), a
  scheduled DagRun with it in the database, the task's templates rendered by Airflow, and
  the pod the KubernetesPodOperator would submit;
- the incident run triggered with a logical date and (Airflow 3) without one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

FIRES_AT = datetime(2025, 8, 28, 1, 30, tzinfo=UTC)  # the daily run that fires at 01:30 Aug 28
TRIGGERED_AT = datetime(2025, 8, 28, 14, 5, 0, tzinfo=UTC)  # an incident, triggered by hand


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {
        "apache-airflow": version("apache-airflow"),
        "apache-airflow-providers-cncf-kubernetes": version(
            "apache-airflow-providers-cncf-kubernetes"
        ),
    }


def _airflow3() -> bool:
    import airflow

    return int(airflow.__version__.split(".")[0]) >= 3


def _pod(op, context) -> dict:  # noqa: ANN001
    from kubernetes.client import ApiClient

    pod = op.build_pod_request_obj(context)
    return ApiClient().sanitize_for_serialization(pod)


def _scheduler_dag(dag):  # noqa: ANN001, ANN202
    """The DAG as the scheduler holds it: on Airflow 3 the serialized DAG, whose timetable is
    the core one that computes runs; on Airflow 2 the DAG itself."""
    if not _airflow3():
        return dag
    try:
        from airflow.serialization.serialized_objects import DagSerialization
    except ImportError:  # Airflow 3.0
        from airflow.serialization.serialized_objects import SerializedDAG as DagSerialization

    return DagSerialization.deserialize_dag(DagSerialization.serialize_dag(dag))


def _scheduled_info(dag):  # noqa: ANN001, ANN202
    """The DagRunInfo of the scheduled run that fires at FIRES_AT, found as the scheduler finds
    runs: ``next_dagrun_info`` from the start date on, each time after the previous one."""
    from airflow.timetables.base import TimeRestriction

    restriction = TimeRestriction(earliest=dag.start_date, latest=None, catchup=True)
    last = None
    for _ in range(400):
        info = dag.timetable.next_dagrun_info(
            last_automated_data_interval=last, restriction=restriction
        )
        if info.run_after >= FIRES_AT:
            return info
        last = info.data_interval
    raise RuntimeError("the timetable never reaches FIRES_AT")


def _render_airflow2(dag, task_id, run_type, logical_date, data_interval, conf):  # noqa: ANN001, ANN202
    from airflow.utils.state import DagRunState

    dr = dag.create_dagrun(
        state=DagRunState.RUNNING,
        execution_date=logical_date,
        run_id=f"{run_type.value}__{logical_date.isoformat()}",
        run_type=run_type,
        external_trigger=run_type.value == "manual",
        conf=conf,
        data_interval=data_interval,
    )
    ti = dr.get_task_instance(task_id)
    ti.task = dag.get_task(task_id)
    context = ti.get_template_context()
    ti.render_templates(context=context)
    return ti.task, context, dr


def _render_airflow3(dag, task_id, run_type, logical_date, data_interval, run_after, conf):  # noqa: ANN001, ANN202, PLR0913
    """Render as an Airflow 3 worker does: the task runner's RuntimeTaskInstance, given the run
    context the API server sends (TIRunContext), renders the task's templates."""
    import uuid

    from airflow.models.dagrun import DagRun
    from airflow.sdk.api.datamodels._generated import DagRun as DagRunModel
    from airflow.sdk.api.datamodels._generated import TIRunContext
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance
    from airflow.utils.state import TaskInstanceState

    run_id = DagRun.generate_run_id(
        run_type=run_type, logical_date=logical_date, run_after=run_after
    )
    start, end = data_interval if logical_date is not None else (None, None)
    dag_run = DagRunModel(
        dag_id=dag.dag_id,
        run_id=run_id,
        logical_date=logical_date,
        data_interval_start=start,
        data_interval_end=end,
        run_after=run_after,
        start_date=run_after,
        end_date=None,
        run_type=run_type.value,
        state="running",
        conf=conf,
        consumed_asset_events=[],
        **({"partition_key": None} if "partition_key" in DagRunModel.model_fields else {}),
    )
    task = dag.get_task(task_id)
    ti = RuntimeTaskInstance.model_construct(
        id=uuid.uuid4(),
        task_id=task_id,
        dag_id=dag.dag_id,
        run_id=run_id,
        try_number=1,
        dag_version_id=uuid.uuid4(),
        map_index=-1,
        task=task,
        _ti_context_from_server=TIRunContext(dag_run=dag_run, max_tries=task.retries),
        max_tries=task.retries,
        start_date=run_after,
        state=TaskInstanceState.RUNNING,
    )
    context = ti.get_template_context()
    ti.task = ti.task.prepare_for_execution()
    context["task"] = ti.task
    ti.render_templates(context=context, jinja_env=ti.task.dag.get_template_env())
    return ti.task, context, dag_run


KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: probe, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: probe, user: {token: not-a-secret}}]
contexts: [{name: probe, context: {cluster: probe, user: probe}}]
current-context: probe
"""


def main() -> int:
    folder, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    # The operator reads a kube config to label the pod (in cluster or not); it never connects.
    kubeconfig = out / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    os.environ["KUBECONFIG"] = str(kubeconfig)
    result: dict = {"versions": _versions(), "airflow3": _airflow3()}
    if not result["airflow3"]:  # Airflow 2 renders from a DagRun row in the metadata DB
        subprocess.run(
            [str(Path(sys.executable).parent / "airflow"), "db", "migrate"],
            check=True,
            capture_output=True,
        )
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow 3
    except ImportError:
        from airflow.models.dagbag import DagBag
    from airflow.utils.types import DagRunType

    bag = DagBag(str(folder)) if result["airflow3"] else DagBag(str(folder), include_examples=False)
    result["import_errors"] = {
        Path(k).name: v.splitlines()[-1] for k, v in bag.import_errors.items()
    }
    result["dags"] = sorted(bag.dag_ids)
    result["warnings"] = {
        Path(k).name: list(v) for k, v in getattr(bag, "captured_warnings", {}).items()
    }
    if result["import_errors"]:
        (out / "probe.json").write_text(json.dumps(result, indent=1))
        return 0

    runs: dict[str, dict] = {}
    daily = bag.dags["triage_daily"]
    if not result["airflow3"]:
        daily.sync_to_db()
    info = _scheduled_info(_scheduler_dag(daily))
    runs["daily"] = {
        "run_after": info.run_after.isoformat(),
        "data_interval": [info.data_interval.start.isoformat(), info.data_interval.end.isoformat()],
        "logical_date": info.logical_date.isoformat(),
        "args": (
            DagRunType.SCHEDULED,
            info.logical_date,
            tuple(info.data_interval),
            info.run_after,
        ),
        "task": "triage_schedule",
        "dag": daily,
    }
    incident = bag.dags["triage_incident"]
    if not result["airflow3"]:
        incident.sync_to_db()
    manual = _scheduler_dag(incident).timetable.infer_manual_data_interval(run_after=TRIGGERED_AT)
    runs["incident_logical"] = {
        "args": (DagRunType.MANUAL, TRIGGERED_AT, (manual.start, manual.end), TRIGGERED_AT),
        "task": "triage_run",
        "dag": incident,
    }
    if result["airflow3"]:  # runs triggered without a logical date (the Airflow 3 default)
        runs["incident_no_logical"] = {
            "args": (DagRunType.MANUAL, None, (None, None), TRIGGERED_AT),
            "task": "triage_run",
            "dag": incident,
        }
        runs["daily_no_logical"] = {
            "args": (DagRunType.MANUAL, None, (None, None), TRIGGERED_AT),
            "task": "triage_schedule",
            "dag": daily,
        }
    result["runs"] = {}
    for name, run in runs.items():
        dag, task_id = run.pop("dag"), run.pop("task")
        run_type, logical_date, interval, run_after = run.pop("args")
        try:
            if result["airflow3"]:
                task, context, _ = _render_airflow3(
                    dag, task_id, run_type, logical_date, interval, run_after, {}
                )
            else:
                task, context, _ = _render_airflow2(
                    dag, task_id, run_type, logical_date, interval, {}
                )
            run["arguments"] = list(task.arguments)
            pod = _pod(task, context)
            (out / f"pod-{name}.json").write_text(json.dumps(pod, indent=1, sort_keys=True))
            run["pod"] = f"pod-{name}.json"
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            run["error"] = f"{type(exc).__name__}: {exc}"
            run["traceback"] = traceback.format_exc()[-3000:]
        result["runs"][name] = run
    (out / "probe.json").write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
