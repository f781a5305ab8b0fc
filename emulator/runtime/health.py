"""Health checks the compose file runs inside each container (`health <check>`).

They are cheap on purpose (no Airflow import): an HTTP probe, a database read of the job's
heartbeat, a TCP probe, or the age of the sync sidecar's last good sync.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

SYNC_MARKER = Path("/tmp/mwaa-local-sync-ok")
HEARTBEAT_LIMIT_SECONDS = 60


def http_ok(url: str) -> str | None:
    import urllib.error  # here, not above: the other checks need no HTTP client (each check is a new process)
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=8) as response:
            return None if 200 <= response.status < 300 else f"{url} answered {response.status}"
    except (urllib.error.URLError, OSError) as error:
        return f"{url}: {error}"


def tcp_open(port: int) -> str | None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            return None
    except OSError as error:
        return f"port {port}: {error}"


def job_alive(job_type: str) -> str | None:
    """The job of this type on this host has heartbeated recently (Airflow's `job` table)."""
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
            "SELECT extract(epoch FROM now() - max(latest_heartbeat)) FROM job "
            "WHERE job_type = :job_type AND hostname = :hostname AND state = 'running'",
            job_type=job_type,
            hostname=socket.getfqdn(),
        )
    finally:
        connection.close()
    age = rows[0][0]
    if age is None:
        return f"no running {job_type} on this host yet"
    if float(age) > HEARTBEAT_LIMIT_SECONDS:
        return f"{job_type} last heartbeat {float(age):.0f}s ago"
    return None


def sync_fresh() -> str | None:
    interval = float(os.environ.get("MWAA_LOCAL_SYNC_INTERVAL", "30"))
    limit = max(60.0, 3 * interval)
    if not SYNC_MARKER.exists():
        return "no successful sync yet"
    age = time.time() - SYNC_MARKER.stat().st_mtime
    return None if age <= limit else f"last successful sync {age:.0f}s ago"


CHECKS = {
    # The scheduler's heartbeat, read from the database like the triggerer's. Not Airflow's own
    # health server: on 2.10 that forked process shares the scheduler's database connection and
    # can steal a query's answer, leaving the scheduler waiting forever (seen under load).
    "scheduler": lambda: job_alive("SchedulerJob"),
    "dag-processor": lambda: job_alive("DagProcessorJob"),
    "triggerer": lambda: job_alive("TriggererJob"),
    "worker": lambda: tcp_open(8793),
    "webserver": lambda: http_ok("http://127.0.0.1:8080/health"),
    # The task execution API counts too: workers need it, and its first answer is slow.
    "api-server": lambda: (
        http_ok("http://127.0.0.1:8080/api/v2/monitor/health") or http_ok("http://127.0.0.1:8080/execution/health")
    ),
    "sync": sync_fresh,
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
