"""The cron expressions of workflow schedules (docs/reference.md §24): five fields (minute, hour,
day of month, month, day of week) with `*`, lists, ranges and steps, or Airflow's presets. The
control plane starts a SCHEDULED run in each minute an active schedule matches."""

from __future__ import annotations

from datetime import datetime

PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


class CronError(ValueError):
    pass


def values(field: str, low: int, high: int) -> set[int]:
    found: set[int] = set()
    for part in field.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if body in ("*", "?"):
            start, end = low, high
        elif "-" in body:
            first, last = body.split("-", 1)
            start, end = int(first), int(last)
        else:
            start = int(body)
            end = high if step_text else start
        if step < 1 or not low <= start <= end <= high:
            raise CronError(f"{part!r} is outside {low}-{high}")
        found.update(range(start, end + 1, step))
    return found


def parse(expression: str) -> list[set[int]]:
    """The allowed values of each field; CronError when the expression is not one."""
    fields = PRESETS.get(expression.strip(), expression).split()
    if len(fields) == 6:  # a trailing year field, as EventBridge takes it: not checked
        fields = fields[:5]
    if len(fields) != 5:
        raise CronError(f"{expression!r} does not have five fields")
    try:
        return [values(field, low, high) for field, (low, high) in zip(fields, RANGES, strict=True)]
    except ValueError as error:
        raise CronError(f"{expression!r}: {error}") from None


def matches(expression: str, moment: datetime) -> bool:
    """Whether the schedule fires in `moment`'s minute (day of week: 0 and 7 are Sunday)."""
    minute, hour, day, month, weekday = parse(expression)
    sunday_first = (moment.weekday() + 1) % 7
    return (
        moment.minute in minute
        and moment.hour in hour
        and moment.day in day
        and moment.month in month
        and (sunday_first in weekday or (sunday_first == 0 and 7 in weekday))
    )
