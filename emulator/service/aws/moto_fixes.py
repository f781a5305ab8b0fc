"""Where moto's CloudWatch differs from CloudWatch in a way MWAA's metrics meet, corrected in the
control plane's process (moto 5.2.6).

Every MWAA metric has two or more dimensions (`Environment` and `Function`, `Cluster`, …). moto
decides whether two metrics are the same one by asking that every dimension of one equal every
dimension of the other, which only holds for a single dimension: ListMetrics then lists a metric
once per datapoint instead of once, and comparing each with those already listed makes it slower
with every datapoint. CloudWatch's own rule (a metric is its namespace, name and set of
dimensions) is put in its place.
"""

from __future__ import annotations

from typing import Any


def same_dimensions(first: list[Any], second: list[Any]) -> bool:
    """Whether two metrics have the same dimensions, in any order."""
    return len(first) == len(second) and {(d.name, d.value) for d in first} == {(d.name, d.value) for d in second}


def apply() -> None:
    from moto.cloudwatch import models

    models.are_dimensions_same = same_dimensions  # type: ignore[assignment]
