"""The console's plots: a metric's datapoints over a time window, as the coordinates of an SVG
line chart (drawn by the template; no chart library is needed for a line and its points)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

WIDTH, HEIGHT, MARGIN = 560, 160, 8


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    at: datetime
    value: float


@dataclass(frozen=True)
class Plot:
    title: str
    unit: str
    start: datetime
    end: datetime
    points: tuple[Point, ...]
    top: float  # the value the chart's top edge stands for

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)

    @property
    def latest(self) -> float | None:
        return self.points[-1].value if self.points else None


def nice_top(highest: float) -> float:
    """A round value at or above `highest` for the chart's top (1, 2 or 5 times a power of ten)."""
    if highest <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(highest))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= highest)


def plot(title: str, unit: str, start: datetime, end: datetime, samples: Sequence[tuple[datetime, float]]) -> Plot:
    """The samples inside [start, end] in time order, placed on a WIDTH by HEIGHT chart."""
    inside = sorted((at, value) for at, value in samples if start <= at <= end)
    top = nice_top(max((value for _, value in inside), default=0.0))
    span = (end - start).total_seconds() or 1.0
    points = tuple(
        Point(
            x=MARGIN + (WIDTH - 2 * MARGIN) * (at - start).total_seconds() / span,
            y=HEIGHT - MARGIN - (HEIGHT - 2 * MARGIN) * max(value, 0.0) / top,
            at=at,
            value=value,
        )
        for at, value in inside
    )
    return Plot(title, unit, start, end, points, top)


def summed(*series: Sequence[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
    """Several series added up where their timestamps meet (the base and additional workers)."""
    totals: dict[datetime, float] = {}
    for samples in series:
        for at, value in samples:
            totals[at] = totals.get(at, 0.0) + value
    return sorted(totals.items())
