"""The health checks that read the database (`health <check>`): the job of a scheduler,
dag-processor or triggerer on this host has heartbeated recently. Docker runs them inside those
containers through `probe.sh heartbeat`, which trusts a success for half a minute; the checks
that need no database are in bash alone (probe.sh).

Cheap on purpose: no Airflow import, pg8000 only.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from emulator.model.container_contract import COMPONENTS_VARIABLE

# Touched by the sync sidecar after each good sync; probe.sh reads its age.
SYNC_MARKER = Path("/tmp/mwaa-local-sync-ok")
HEARTBEAT_LIMIT_SECONDS = 60


def job_alive(job_type: str, expected: int = 1) -> str | None:
    """`expected` jobs of this type on this host have heartbeated recently (Airflow's `job`
    table)."""
    from urllib.parse import unquote, urlsplit

    import pg8000.native

    url = urlsplit(os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    connection = pg8000.native.Connection(
        user=unquote(url.username or ""),
        password=unquote(url.password or ""),
        host=url.hostname or "localhost",
        port=url.port or 5432,
        database=url.path.lstrip("/"),
        timeout=5,
    )
    try:
        rows = connection.run(
            "SELECT count(*) FROM job WHERE job_type = :job_type AND hostname = :hostname "
            "AND state = 'running' AND latest_heartbeat > now() - :limit * interval '1 second'",
            job_type=job_type,
            hostname=socket.getfqdn(),
            limit=HEARTBEAT_LIMIT_SECONDS,
        )
    finally:
        connection.close()
    alive = int(rows[0][0])
    if alive < expected:
        return f"{alive} of {expected} {job_type} on this host heartbeated in the last {HEARTBEAT_LIMIT_SECONDS} s"
    return None


JOB_TYPES = {"scheduler": "SchedulerJob", "dag-processor": "DagProcessorJob", "triggerer": "TriggererJob"}


def components_alive() -> str | None:
    """Each Airflow job of the container's components heartbeats (a worker has none; the
    container stops when the worker process ends)."""
    listed = os.environ.get(COMPONENTS_VARIABLE, "scheduler").split(",")
    for component in dict.fromkeys(listed):
        if component in JOB_TYPES and (problem := job_alive(JOB_TYPES[component], listed.count(component))):
            return problem
    return None


CHECKS = {
    # The scheduler's heartbeat, read from the database like the triggerer's. Not Airflow's own
    # health server: on 2.10 that forked process shares the scheduler's database connection and
    # can steal a query's answer, leaving the scheduler waiting forever (seen under load).
    "scheduler": lambda: job_alive(JOB_TYPES["scheduler"]),
    "dag-processor": lambda: job_alive(JOB_TYPES["dag-processor"]),
    "triggerer": lambda: job_alive(JOB_TYPES["triggerer"]),
    "components": components_alive,
}


def main(arguments: list[str]) -> int:
    if len(arguments) != 1 or arguments[0] not in CHECKS:
        print(f"usage: health {{{','.join(CHECKS)}}}", file=sys.stderr)
        return 2
    try:
        problem = CHECKS[arguments[0]]()
    except Exception as error:  # a failed probe is an unhealthy answer, not a crash
        problem = f"{type(error).__name__}: {error}"
    if problem:
        print(f"unhealthy: {problem}")
        return 1
    print("healthy")
    return 0
