"""Airflow's metrics into the region's CloudWatch, as MWAA's agent sends them (docs/reference.md
§22): every Airflow container sends StatsD over UDP to the control plane, which names each line as
MWAA does (model/statsd_metrics.py), adds it up over a period and puts one datapoint per metric
and period in the `AmazonMWAA` namespace: a counter's sum, a gauge's last value, a timer's
statistic set. Datapoints older than the retention are dropped (moto keeps every one in memory).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from emulator.model.airflow_config import STATSD_PORT
from emulator.model.aws_services import BY_CLIENT
from emulator.model.statsd_metrics import NAMESPACE, Sample, parse
from emulator.service.aws.backends import MotoBackends

PERIOD = 30.0  # seconds a datapoint stands for; CloudWatch's standard resolution is 60
RETENTION = 6 * 3600.0  # seconds a datapoint is kept (mwaa-local's own: CloudWatch keeps 15 months)
PACKET_BYTES = 65535
log = logging.getLogger(__name__)
Key = tuple[str, tuple[tuple[str, str], ...], str]  # name, dimensions, unit


@dataclass
class Aggregate:
    kind: str
    count: int = 0
    total: float = 0.0
    last: float = 0.0
    low: float = field(default=float("inf"))
    high: float = field(default=float("-inf"))

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value
        self.last = value
        self.low, self.high = min(self.low, value), max(self.high, value)

    def datum(self, key: Key, at: datetime) -> dict[str, Any]:
        name, dimensions, unit = key
        datum: dict[str, Any] = {
            "MetricName": name,
            "Dimensions": [{"Name": dimension, "Value": value} for dimension, value in dimensions],
            "Unit": unit,
            "Timestamp": at,
        }
        if self.kind == "ms":
            datum["StatisticValues"] = {
                "SampleCount": self.count,
                "Sum": self.total,
                "Minimum": self.low,
                "Maximum": self.high,
            }
        else:
            datum["Value"] = self.total if self.kind == "c" else self.last
        return datum


class AirflowMetrics:
    def __init__(self, backends: MotoBackends, clock: Callable[[], float] = time.time) -> None:
        self.backends = backends
        self.clock = clock
        self.lock = threading.Lock()
        self.pending: dict[Key, Aggregate] = {}

    def receive(self, packet: bytes) -> None:
        """One UDP packet: StatsD lines separated by newlines (Airflow's client sends one each)."""
        for line in packet.decode("utf-8", "replace").splitlines():
            sample = parse(line)
            if sample is not None:
                self.add(sample)

    def add(self, sample: Sample) -> None:
        key = (sample.name, sample.dimensions, sample.unit)
        with self.lock:
            self.pending.setdefault(key, Aggregate(sample.kind)).add(sample.value)

    def flush(self) -> int:
        """Put one datapoint per metric received since the last flush; how many."""
        with self.lock:
            pending, self.pending = self.pending, {}
        if not pending:
            return 0
        at = naive_utc(self.clock())
        data = [aggregate.datum(key, at) for key, aggregate in pending.items()]
        cloudwatch = self.backends.backend(BY_CLIENT["cloudwatch"])
        with self.backends.lock:
            for start in range(0, len(data), 1000):  # PutMetricData's own limit per call
                cloudwatch.put_metric_data(NAMESPACE, data[start : start + 1000])
        self.backends.changed(soon=False)
        return len(data)

    def expire(self) -> int:
        """Drop datapoints older than the retention; how many."""
        cloudwatch = self.backends.loaded(BY_CLIENT["cloudwatch"])
        if cloudwatch is None:
            return 0
        oldest = naive_utc(self.clock() - RETENTION)
        with self.backends.lock:
            kept = [datum for datum in cloudwatch.metric_data if datum.timestamp.replace(tzinfo=None) >= oldest]
            dropped = len(cloudwatch.metric_data) - len(kept)
            cloudwatch.metric_data = kept
        return dropped

    def serve(self, stop: threading.Event, receiver: socket.socket) -> None:
        """Receive on a bound UDP socket until `stop`, flushing every PERIOD and expiring hourly."""
        receiver.settimeout(1.0)
        next_flush, next_expiry = self.clock() + PERIOD, self.clock() + 3600.0
        with receiver:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):  # a quiet second: time to flush
                    self.receive(receiver.recv(PACKET_BYTES))
                now = self.clock()
                if now >= next_flush:
                    next_flush = now + PERIOD
                    self.guarded(self.flush)
                if now >= next_expiry:
                    next_expiry = now + 3600.0
                    self.guarded(self.expire)

    def guarded(self, step: Callable[[], int]) -> None:
        try:
            step()
        except Exception:  # a bad datapoint must not stop the metrics
            log.exception("Airflow metrics: %s failed", step.__name__)

    def start(self, stop: threading.Event, address: tuple[str, int] = ("0.0.0.0", STATSD_PORT)) -> int:
        """Bind (every interface: the region network's containers send here) and serve in a
        thread; the port bound."""
        receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        receiver.bind(address)
        threading.Thread(target=self.serve, args=(stop, receiver), name="airflow-metrics", daemon=True).start()
        return int(receiver.getsockname()[1])


def naive_utc(seconds: float) -> datetime:
    """moto keeps and compares datapoint times as naive UTC."""
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
