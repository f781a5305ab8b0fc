"""Starting a compose project and watching it become ready, with live progress."""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.live import Live

from emulator import ui
from emulator.errors import MwaaLocalError, StartTimeoutError
from emulator.stack.compose import ComposeProject
from emulator.stack.readiness import Readiness, assess

POLL_SECONDS = 1.0


def start(project: ComposeProject, expected: Sequence[str], title: str, timeout: float) -> float:
    """`docker compose up -d`, then wait until every expected service is ready.

    Returns the seconds it took. On a failure or timeout it raises, saying what is still
    starting and how to see why, and leaves the stack running for inspection.
    """
    started = time.monotonic()
    process = project.popen("up", "--detach", "--remove-orphans")
    readiness = Readiness()
    with Live(console=ui.console, refresh_per_second=4, transient=False) as live:
        while True:
            elapsed = time.monotonic() - started
            readiness = assess(project.containers(), expected)
            live.update(ui.readiness_table(title, readiness, elapsed))
            finished = process.poll() is not None
            if finished and process.returncode != 0:
                output = process.stdout.read() if process.stdout else ""
                readiness = assess(project.containers(), expected)
                live.update(ui.readiness_table(title, readiness, elapsed))
                raise failure(project, readiness, output)
            if readiness.failed:
                raise failure(project, readiness, "")
            if finished and readiness.complete:
                return elapsed
            if elapsed > timeout:
                raise StartTimeoutError(
                    f"{title}: not ready after {timeout:.0f}s. Still starting: "
                    + ", ".join(f"{service} ({doing})" for service, doing in readiness.waiting.items())
                    + ". The stack is left running.",
                    hint=f"See why with `mwaa-local logs {next(iter(readiness.waiting), '')}`; "
                    "`mwaa-local status` shows every service.",
                )
            time.sleep(POLL_SECONDS)


def failure(project: ComposeProject, readiness: Readiness, compose_output: str) -> MwaaLocalError:
    """An error naming the failed services, with the end of their logs."""
    services = list(readiness.failed) or list(readiness.waiting)[:1]
    details = []
    for service in services:
        logs = project.run("logs", "--no-color", "--tail", "30", service, check=False).stdout
        details.append(f"--- last log lines of {service} ---\n{logs.rstrip()}")
    summary = compose_output.strip().splitlines()[-3:] if compose_output.strip() else []
    return MwaaLocalError(
        "Starting failed: "
        + (", ".join(f"{service} {why}" for service, why in readiness.failed.items()) or " ".join(summary))
        + ("\n" + "\n".join(details) if details else ""),
        hint="Fix the cause shown in the logs, then run `mwaa-local up` again (the stack is left as it is).",
    )
