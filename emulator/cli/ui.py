"""Terminal output: progress while the stack starts, tables, the status block, errors."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from emulator.docker.compose import ServiceContainer
from emulator.docker.readiness import Readiness
from emulator.model.errors import MwaaLocalError
from emulator.service.autoscaler import journal

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)

MARKS = {"ready": "[green]✔[/]", "waiting": "[yellow]…[/]", "failed": "[red]✘[/]"}


def containers_table(title: str, containers: list[ServiceContainer]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("service", "container", "state", "health", "ports"):
        table.add_column(column)
    for container in sorted(containers, key=lambda item: (item.service, item.name)):
        health_style = {"healthy": "green", "unhealthy": "red", "starting": "yellow"}.get(container.health, "")
        health = f"[{health_style}]{container.health}[/]" if health_style else (container.health or "-")
        table.add_row(
            container.service,
            container.name,
            container.state,
            health,
            ", ".join(container.publishers) or "-",
        )
    return table


def role_line(role: str, policy_file: Path) -> str:
    """Who the environment's tasks are to AWS, and where to grant them more, for `status`."""
    granted = "its grants in" if policy_file.exists() else "MWAA's default policy; grant more in"
    return f"  execution role: {role}, {granted} {escape(str(policy_file))}"


def scaling_line(reading: journal.Snapshot, now: float) -> str:
    """The autoscaler's view of an environment, for `status`."""
    draining = f", {reading.draining} draining" if reading.draining else ""
    return (
        f"  workers: {reading.workers} taking tasks{draining}, desired {reading.desired} "
        f"(MinWorkers {reading.min_workers}, MaxWorkers {reading.max_workers}, {reading.tasks_per_worker} tasks each)"
        f" · tasks: {reading.running} running, {reading.queued} queued · Celery queue: {reading.broker_depth} waiting"
        f" · read {max(0.0, now - reading.at):.0f}s ago\n  autoscaler: {reading.action} ({reading.reason})"
    )


def show_error(error: MwaaLocalError) -> None:
    errors.print(f"[bold red]Error:[/] {escape(error.message)}", soft_wrap=True)
    if error.hint:
        errors.print(f"[bold]What to do:[/] {escape(error.hint)}", soft_wrap=True)


class SpinnerDisplay:
    """Long work shown on one spinner line (lifecycle.Display), cleared when it is done."""

    def __init__(self) -> None:
        self._status = console.status("")

    def __enter__(self) -> SpinnerDisplay:
        self._status.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._status.stop()

    def step(self, text: str) -> None:
        self._status.update(escape(text))

    def services(self, title: str, readiness: Readiness, elapsed: float) -> None:
        waiting = {**readiness.waiting, **readiness.failed}
        doing = ", ".join(f"{service} {what}" for service, what in waiting.items()) or "ready"
        self._status.update(escape(f"{title} ({elapsed:.0f}s): {doing}"))
