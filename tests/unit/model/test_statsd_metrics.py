"""Airflow's StatsD lines named as MWAA names them in CloudWatch's AmazonMWAA namespace."""

from __future__ import annotations

import pytest

from emulator.model.statsd_metrics import Sample, parse

ENV = ("Environment", "dev")


@pytest.mark.parametrize(
    ("line", "name", "dimensions", "value", "unit"),
    [
        ("dev.scheduler_heartbeat:1|c", "SchedulerHeartbeat", (ENV, ("Function", "Scheduler")), 1.0, "Count"),
        ("dev.executor.running_tasks:3|g", "RunningTasks", (ENV, ("Function", "Executor")), 3.0, "Count"),
        ("dev.executor.queued_tasks:0|g", "QueuedTasks", (ENV, ("Function", "Executor")), 0.0, "Count"),
        ("dev.executor.open_slots:32|g", "OpenSlots", (ENV, ("Function", "Executor")), 32.0, "Count"),
        (
            "dev.dag_processing.total_parse_time:0.52|g",
            "TotalParseTime",
            (ENV, ("Function", "DAG Processing")),
            0.52,
            "Seconds",
        ),
        ("dev.dag_processing.import_errors:1|g", "ImportErrors", (ENV, ("Function", "DAG Processing")), 1.0, "Count"),
        ("dev.dagbag_size:4|g", "DagBagSize", (ENV, ("Function", "DAG Processing")), 4.0, "Count"),
        ("dev.ti_failures:1|c", "TaskInstanceFailures", (ENV, ("DAG", "All"), ("Task", "All")), 1.0, "Count"),
        (
            "dev.dagrun.duration.success.it_xcom:1520.5|ms",
            "DAGDurationSuccess",
            (ENV, ("DAG", "it_xcom")),
            1520.5,
            "Milliseconds",
        ),
        (
            "dev.dag.it_xcom.push.duration:12|ms",
            "TaskInstanceDuration",
            (ENV, ("DAG", "it_xcom"), ("Task", "push")),
            12.0,
            "Milliseconds",
        ),
        ("dev.pool.running_slots.default_pool:2|g", "PoolRunningSlots", (ENV, ("Pool", "default_pool")), 2.0, "Count"),
        ("dev.SchedulerJob_start:1|c", "JobStart", (ENV, ("Job", "SchedulerJob")), 1.0, "Count"),
        (
            "dev.ti.finish.it_xcom.push.success:1|c",
            "FinishedTaskInstances",
            (ENV, ("DAG", "All"), ("Task", "All"), ("State", "success")),
            1.0,
            "Count",
        ),
        ("dev.ti_successes:1|c|@0.5", "TaskInstanceSuccesses", (ENV, ("DAG", "All"), ("Task", "All")), 2.0, "Count"),
    ],
)
def test_airflow_metrics_take_mwaas_names_and_dimensions(
    line: str, name: str, dimensions: tuple[tuple[str, str], ...], value: float, unit: str
) -> None:
    sample = parse(line)
    assert sample is not None
    assert (sample.environment, sample.name, sample.dimensions, sample.value, sample.unit) == (
        "dev",
        name,
        dimensions,
        value,
        unit,
    )


@pytest.mark.parametrize(
    "line",
    [
        "dev.some_metric_mwaa_does_not_publish:1|c",
        "not statsd",
        "dev.scheduler_heartbeat:+1|g",
        "dev.scheduler_heartbeat:x|c",
        "",
    ],
)
def test_lines_mwaa_would_not_publish_are_dropped(line: str) -> None:
    assert parse(line) is None


def test_a_sample_is_a_value_object() -> None:
    assert parse("dev.scheduler_heartbeat:1|c") == Sample(
        "dev", "SchedulerHeartbeat", (ENV, ("Function", "Scheduler")), 1.0, "c", "Count"
    )
