"""The `AWS/MWAA` namespace (docs/reference.md §22): the environment's cluster and queue, from
the autoscaler's readings. MWAA publishes the container counts with a `Cluster` dimension and the
SQS queue's depth with a `Queue` one; here the Celery queue is a Redis list named like MWAA's
queue, whose waiting messages are the queued tasks, whose taken ones the running tasks, and
whose oldest message's age is the longest-queued task instance's. The containers' CPU and memory
(container_usage.py) and the database's metrics (database_usage.py) are read only when a period's
datapoints go in.
At most one datapoint per metric and PERIOD, as the Airflow metrics."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulator.model.airflow_config import celery_queue
from emulator.model.aws_services import BY_CLIENT
from emulator.model.record import EnvironmentRecord
from emulator.service.aws.backends import MotoBackends
from emulator.service.aws.container_usage import Utilization
from emulator.service.aws.database_usage import ROLE, DatabaseReading
from emulator.service.aws.metrics import PERIOD, naive_utc

NAMESPACE = "AWS/MWAA"
Readings = tuple[dict[str, Utilization], DatabaseReading | None]  # by cluster; the database's
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClusterReading:
    """What the autoscaler read (workers, the queue) and the containers' utilization by cluster."""

    workers: int
    queued: int
    running: int
    oldest_queued_seconds: int = 0
    usage: dict[str, Utilization] = field(default_factory=dict)
    database: DatabaseReading | None = None


def cluster_data(record: EnvironmentRecord, reading: ClusterReading) -> list[dict[str, Any]]:
    """One datapoint per metric, as PutMetricData's members (the time is added when published)."""

    def datum(name: str, value: float, dimension: str, dimension_value: str, unit: str = "Count") -> dict[str, Any]:
        dimensions = [{"Name": "Environment", "Value": record.name}, {"Name": dimension, "Value": dimension_value}]
        return {"MetricName": name, "Dimensions": dimensions, "Value": float(value), "Unit": unit}

    queue = celery_queue(record)
    data = [
        datum("NumWorkers", 1, "Cluster", "BaseWorker"),  # MWAA: the base worker, always 1
        datum("NumAdditionalWorkers", max(0, reading.workers - 1), "Cluster", "AdditionalWorker"),
        datum("NumSchedulers", record.schedulers, "Cluster", "Scheduler"),
        datum("NumWebServers", record.min_webservers, "Cluster", "WebServer"),
        datum("ApproximateNumberOfMessagesVisible", reading.queued, "Queue", queue),
        datum("ApproximateNumberOfMessagesNotVisible", reading.running, "Queue", queue),
        datum("ApproximateAgeOfOldestMessage", reading.oldest_queued_seconds, "Queue", queue, "Seconds"),
    ]
    for cluster, utilization in sorted(reading.usage.items()):
        if utilization.cpu is not None:
            data.append(datum("CPUUtilization", round(utilization.cpu, 2), "Cluster", cluster, "Percent"))
        data.append(datum("MemoryUtilization", round(utilization.memory, 2), "Cluster", cluster, "Percent"))
    if (database := reading.database) is not None:
        data.append(datum("DatabaseConnections", database.connections, "Role", ROLE))
        data.append(datum("FreeableMemory", database.freeable_memory, "Role", ROLE, "Bytes"))
        if database.cpu is not None:
            data.append(datum("CPUUtilization", round(database.cpu, 2), "Role", ROLE, "Percent"))
        if database.write_iops is not None:
            data.append(datum("WriteIOPS", round(database.write_iops, 2), "Role", ROLE, "Count/Second"))
    return data


class ClusterMetrics:
    def __init__(
        self,
        backends: MotoBackends,
        readings: Callable[[EnvironmentRecord], Readings] = lambda record: ({}, None),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.backends = backends
        self.readings = readings
        self.clock = clock
        self.last: dict[str, float] = {}

    def publish(self, record: EnvironmentRecord, reading: ClusterReading) -> bool:
        """Put the environment's reading (and its containers' utilization and its database's
        metrics, read only then) unless one went in less than PERIOD ago; whether it did."""
        now = self.clock()
        if now - self.last.get(record.name, float("-inf")) < PERIOD:
            return False
        self.last[record.name] = now
        try:
            usage, database = self.readings(record)
            reading = dataclasses.replace(reading, usage=usage, database=database)
        except Exception:  # the engine's answer is optional: the other metrics still go in
            log.warning("no container or database readings for environment %s", record.name, exc_info=True)
        data = [{**datum, "Timestamp": naive_utc(now)} for datum in cluster_data(record, reading)]
        cloudwatch = self.backends.backend(BY_CLIENT["cloudwatch"])
        with self.backends.lock:
            cloudwatch.put_metric_data(NAMESPACE, data)
        self.backends.changed(soon=False)
        return True
