"""What an environment's page shows beside its record: plots of its metrics over the last hour
(GetMetricData) and a log group's latest lines (its most recent streams' last events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from emulator.model.statsd_metrics import DAG_PROCESSING, EXECUTOR, SCHEDULER
from emulator.model.statsd_metrics import NAMESPACE as AIRFLOW_NAMESPACE
from emulator.service.console.charts import Plot, plot, summed

WINDOW = timedelta(hours=1)
PERIOD = 60
CLUSTER_NAMESPACE = "AWS/MWAA"  # emulator/service/aws/cluster_metrics.py publishes it
RECENT_STREAMS = 5
RECENT_LINES = 200


@dataclass(frozen=True)
class Metric:
    namespace: str
    name: str
    dimension: str  # besides Environment
    value: str
    statistic: str


@dataclass(frozen=True)
class Chart:
    """A plot's title and unit, and the metrics whose datapoints (added up) it draws."""

    title: str
    unit: str
    metrics: tuple[Metric, ...]


def airflow(name: str, function: str, statistic: str) -> tuple[Metric]:
    return (Metric(AIRFLOW_NAMESPACE, name, "Function", function, statistic),)


CHARTS = (
    Chart(
        "Workers",
        "count",
        (
            Metric(CLUSTER_NAMESPACE, "NumWorkers", "Cluster", "BaseWorker", "Maximum"),
            Metric(CLUSTER_NAMESPACE, "NumAdditionalWorkers", "Cluster", "AdditionalWorker", "Maximum"),
        ),
    ),
    Chart("Queued tasks", "count", airflow("QueuedTasks", EXECUTOR, "Maximum")),
    Chart("Running tasks", "count", airflow("RunningTasks", EXECUTOR, "Maximum")),
    Chart("Scheduler heartbeat", "beats per minute", airflow("SchedulerHeartbeat", SCHEDULER, "Sum")),
    Chart("DAG parse time", "seconds", airflow("TotalParseTime", DAG_PROCESSING, "Average")),
)


def metric_queries(environment: str) -> list[dict[str, Any]]:
    """GetMetricData's queries for every chart, with ids `c<chart>m<metric>`."""
    return [
        {
            "Id": f"c{chart_index}m{metric_index}",
            "MetricStat": {
                "Metric": {
                    "Namespace": metric.namespace,
                    "MetricName": metric.name,
                    "Dimensions": [
                        {"Name": "Environment", "Value": environment},
                        {"Name": metric.dimension, "Value": metric.value},
                    ],
                },
                "Period": PERIOD,
                "Stat": metric.statistic,
            },
        }
        for chart_index, chart in enumerate(CHARTS)
        for metric_index, metric in enumerate(chart.metrics)
    ]


def environment_plots(cloudwatch: Any, environment: str, now: datetime | None = None) -> list[Plot]:
    end = now or datetime.now(UTC)
    start = end - WINDOW
    answer = cloudwatch.get_metric_data(MetricDataQueries=metric_queries(environment), StartTime=start, EndTime=end)
    samples = {
        result["Id"]: [
            (aware(at), float(value)) for at, value in zip(result["Timestamps"], result["Values"], strict=True)
        ]
        for result in answer["MetricDataResults"]
    }
    return [
        plot(
            chart.title,
            chart.unit,
            start,
            end,
            summed(*(samples.get(f"c{chart_index}m{index}", []) for index in range(len(chart.metrics)))),
        )
        for chart_index, chart in enumerate(CHARTS)
    ]


def aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@dataclass(frozen=True)
class LogLine:
    at: datetime
    stream: str
    message: str


def recent_lines(logs: Any, group: str) -> list[LogLine]:
    """The last RECENT_LINES events of the group's most recently written streams, oldest first."""
    streams = logs.describe_log_streams(
        logGroupName=group, orderBy="LastEventTime", descending=True, limit=RECENT_STREAMS
    )["logStreams"]
    lines: list[LogLine] = []
    for stream in streams:
        events = logs.get_log_events(
            logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=False, limit=RECENT_LINES
        )["events"]
        lines.extend(
            LogLine(datetime.fromtimestamp(event["timestamp"] / 1000, UTC), stream["logStreamName"], event["message"])
            for event in events
        )
    return sorted(lines, key=lambda line: line.at)[-RECENT_LINES:]
