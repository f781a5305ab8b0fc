"""Starting a compose project and watching it become ready, reporting progress to a callback."""

from __future__ import annotations

import dataclasses
import math
import tempfile
import time
from collections.abc import Callable, Sequence

from emulator.docker.compose import ComposeProject
from emulator.docker.health_checks import Prober
from emulator.docker.readiness import NOT_CREATED, Readiness, assess
from emulator.model.errors import MwaaLocalError, StartTimeoutError
from emulator.polling import poll
from emulator.state.settings import IMAGE_MIRROR

POLL_SECONDS = 1.0
Progress = Callable[[Readiness, float], None]  # where the services are, seconds since the start


def start(project: ComposeProject, expected: Sequence[str], title: str, timeout: float, on_progress: Progress) -> float:
    """`docker compose up -d`, then wait until every expected service is ready.

    Returns the seconds it took. On a failure or timeout it raises, saying what is still
    starting and how to see why, and leaves the stack running for inspection.
    """
    started = time.monotonic()
    # Restarts before this start are not this start's crash loop: compose keeps unchanged
    # containers, and renames the ones it replaces until their successors exist.
    before = {container.id: container.restarts for container in project.containers()}
    prober = Prober()  # the engine checks every 30 s: a starting container's check is run here
    with tempfile.TemporaryFile("w+") as output:
        process = project.popen("up", "--detach", "--remove-orphans", output=output)

        def ready(_waited: float) -> float | None:
            elapsed = time.monotonic() - started
            containers = [
                dataclasses.replace(c, restarts=max(0, c.restarts - before.get(c.id, 0)))
                for c in prober.apply(project.containers())
            ]
            readiness = assess(containers, expected)
            on_progress(readiness, elapsed)
            finished = process.poll() is not None
            # `up --detach` creates every container before it returns, so a missing one
            # means compose failed (some wrappers of compose lose its exit code).
            never_created = finished and NOT_CREATED in readiness.waiting.values()
            if readiness.failed or (finished and (process.returncode != 0 or never_created)):
                output.seek(0)
                raise failure(project, readiness, output.read() if finished else "")
            if finished and readiness.complete:
                return elapsed
            if elapsed > timeout:
                output.seek(0)
                raise timed_out(title, timeout, readiness, output.read())
            return None

        took = poll(ready, math.inf, POLL_SECONDS)  # ends ready, or by raising above
        assert took is not None
        return took


def timed_out(title: str, timeout: float, readiness: Readiness, compose_output: str) -> StartTimeoutError:
    still = ", ".join(f"{service} ({doing})" for service, doing in readiness.waiting.items())
    said = (
        "\n".join(["--- docker compose ---", *compose_output.strip().splitlines()[-10:]])
        if compose_output.strip()
        else ""
    )
    return StartTimeoutError(
        f"{title}: not ready after {timeout:.0f}s. Still starting: {still}. The stack is left running "
        f"(docker compose may still be starting services).\n{said}".rstrip(),
        hint=f"See why with `mwaa-local logs {next(iter(readiness.waiting), '')}`; "
        "`mwaa-local status` shows every service.",
    )


def failure(project: ComposeProject, readiness: Readiness, compose_output: str) -> MwaaLocalError:
    """An error naming what failed, with compose's last words and the failed services' logs."""
    lines = [", ".join(f"{service} {why}" for service, why in readiness.failed.items()) or "docker compose up failed"]
    if compose_output.strip():
        lines += ["--- docker compose ---", *compose_output.strip().splitlines()[-10:]]
    for service in readiness.failed:
        logs = project.run("logs", "--no-color", "--tail", "30", service, check=False).stdout.rstrip()
        if logs:
            lines += [f"--- last log lines of {service} ---", logs]
    hint = "Fix the cause shown above, then run `mwaa-local up` again (the stack is left as it is)."
    if "Pulling" in compose_output and "Error" in compose_output:
        hint = (
            "An image could not be pulled. Without access to its registry, set "
            f"{IMAGE_MIRROR.variable} to a mirror, or build local stand-ins (docs/offline-and-ci.md)."
        )
    return MwaaLocalError("Starting failed: " + "\n".join(lines), hint=hint)
