"""The `AWS/MWAA` namespace (docs/reference.md §22): the environment's cluster and queue, from
the autoscaler's readings. MWAA publishes the container counts with a `Cluster` dimension and the
SQS queue's depth with a `Queue` one; here the Celery queue is a Redis list named like MWAA's
queue, whose waiting messages are the queued tasks and whose taken ones the running tasks.
At most one datapoint per metric and PERIOD, as the Airflow metrics."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from emulator.model.airflow_config import celery_queue
from emulator.model.aws_services import BY_CLIENT
from emulator.model.record import EnvironmentRecord
from emulator.service.aws.backends import MotoBackends
from emulator.service.aws.metrics import PERIOD, naive_utc

NAMESPACE = "AWS/MWAA"


def cluster_data(record: EnvironmentRecord, workers: int, queued: int, running: int) -> list[dict[str, Any]]:
    """One datapoint per metric, as PutMetricData's members (the time is added when published)."""

    def datum(name: str, value: float, dimension: str, dimension_value: str) -> dict[str, Any]:
        dimensions = [{"Name": "Environment", "Value": record.name}, {"Name": dimension, "Value": dimension_value}]
        return {"MetricName": name, "Dimensions": dimensions, "Value": float(value), "Unit": "Count"}

    queue = celery_queue(record)
    return [
        datum("NumWorkers", 1, "Cluster", "BaseWorker"),  # MWAA: the base worker, always 1
        datum("NumAdditionalWorkers", max(0, workers - 1), "Cluster", "AdditionalWorker"),
        datum("NumSchedulers", record.schedulers, "Cluster", "Scheduler"),
        datum("NumWebServers", record.min_webservers, "Cluster", "WebServer"),
        datum("ApproximateNumberOfMessagesVisible", queued, "Queue", queue),
        datum("ApproximateNumberOfMessagesNotVisible", running, "Queue", queue),
    ]


class ClusterMetrics:
    def __init__(self, backends: MotoBackends, clock: Callable[[], float] = time.time) -> None:
        self.backends = backends
        self.clock = clock
        self.last: dict[str, float] = {}

    def publish(self, record: EnvironmentRecord, workers: int, queued: int, running: int) -> bool:
        """Put the environment's reading unless one went in less than PERIOD ago; whether it did."""
        now = self.clock()
        if now - self.last.get(record.name, float("-inf")) < PERIOD:
            return False
        self.last[record.name] = now
        data = [{**datum, "Timestamp": naive_utc(now)} for datum in cluster_data(record, workers, queued, running)]
        cloudwatch = self.backends.backend(BY_CLIENT["cloudwatch"])
        with self.backends.lock:
            cloudwatch.put_metric_data(NAMESPACE, data)
        self.backends.changed(soon=False)
        return True
