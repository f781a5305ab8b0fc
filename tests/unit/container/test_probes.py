"""Health checks run every few seconds in every container: they must stay cheap to start."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.docker.ports import free_port
from emulator.service import liveness
from emulator.service.api.backend import InMemoryOperations
from emulator.service.api.server import ServerThread
from tests.unit.service.api_access import access_for_tests

pytestmark = pytest.mark.unit


def modules_loaded_by(code: str) -> set[str]:
    finished = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}\nprint(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(finished.stdout.split())


def test_a_component_health_check_loads_none_of_the_components_modules() -> None:
    # No database here: the check answers unhealthy, having loaded what a real one loads.
    loaded = modules_loaded_by("from emulator.container.__main__ import main\nmain(['health', 'scheduler'])")
    assert "emulator.container.runtime.health" in loaded
    heavy = {
        "emulator.container.runtime.components",
        "emulator.container.runtime.configuration",
        "packaging.requirements",
    }
    assert not heavy & loaded, heavy & loaded


def test_the_control_plane_health_check_loads_neither_the_server_nor_botocore() -> None:
    loaded = modules_loaded_by("import emulator.service.liveness")
    assert not {"botocore", "docker", "starlette", "emulator.service.api.server"} & loaded


def test_the_control_plane_health_check_is_unhealthy_when_nothing_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(liveness, "PORT", free_port())
    assert liveness.healthy() is False


def test_the_control_plane_health_check_takes_the_refusal_of_an_unsigned_request_as_an_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with ServerThread(InMemoryOperations(), access_for_tests()) as server:
        monkeypatch.setattr(liveness, "PORT", server.port)
        assert liveness.healthy() is True


PROBE = Path(__file__).resolve().parents[3] / "emulator" / "container" / "runtime" / "probe.sh"


def probe(*arguments: str, **environment: str) -> tuple[int, str]:
    finished = subprocess.run(
        ["bash", str(PROBE), *arguments],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **environment},
    )
    return finished.returncode, finished.stdout.strip()


# A web server of its own process: the threads and sockets other tests leave in this one must
# not be what the probe meets.
ANSWERING = """
import http.server

class Answering(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 503)
        self.end_headers()

    def log_message(self, format, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answering)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@pytest.fixture
def http_port() -> Iterator[int]:
    server = subprocess.Popen([sys.executable, "-c", ANSWERING], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        yield int(server.stdout.readline())
    finally:
        server.kill()
        server.wait()


def test_the_bash_probes_answer_like_the_services_they_probe(http_port: int, tmp_path: Path) -> None:
    closed = free_port()
    assert probe("tcp", str(http_port)) == (0, "healthy")
    assert probe("tcp", str(closed)) == (1, f"unhealthy: port {closed}: nothing accepts connections")
    assert probe("http", str(http_port), "/health") == (0, "healthy")
    assert probe("http", str(http_port), "/health", "/execution/health") == (
        1,
        f"unhealthy: http://127.0.0.1:{http_port}/execution/health answered 503",
    ), "every path must answer"
    assert probe("http", str(closed), "/health")[0] == 1

    marker = tmp_path / "sync-ok"
    assert probe("sync", str(marker)) == (1, "unhealthy: no successful sync yet")
    marker.touch()
    assert probe("sync", str(marker)) == (0, "healthy")
    two_minutes_ago = time.time() - 120
    os.utime(marker, (two_minutes_ago, two_minutes_ago))
    code, output = probe("sync", str(marker))
    assert code == 1 and output.startswith("unhealthy: last successful sync 12"), output
    assert probe("sync", str(marker), MWAA_LOCAL_SYNC_INTERVAL="45.5") == (0, "healthy"), "3 intervals: 135 s"
    assert probe("nonsense")[0] == 2


def test_the_edges_probe_wants_its_runner_socket_and_every_port(http_port: int, tmp_path: Path) -> None:
    runner = tmp_path / "runner.sock"
    closed = free_port()
    assert probe("socket", str(runner), str(http_port)) == (1, f"unhealthy: no socket at {runner} yet")
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(runner))
        assert probe("socket", str(runner), str(http_port)) == (0, "healthy")
        assert probe("socket", str(runner), str(http_port), str(closed)) == (
            1,
            f"unhealthy: port {closed}: nothing accepts connections",
        ), "the plain-http port counts as much as the https one"


# Stands in for a costly check: answers as told by a file and counts its runs.
FAKE_CHECK = """#!/bin/bash
echo run >> "$(dirname "$0")/runs"
cat "$(dirname "$0")/answer"
[[ $(cat "$(dirname "$0")/answer") == healthy ]]
"""


def test_a_costly_checks_success_is_trusted_for_half_a_minute_and_a_failure_never(tmp_path: Path) -> None:
    check = tmp_path / "check"
    check.write_text(FAKE_CHECK)
    check.chmod(0o755)
    answer, runs = tmp_path / "answer", tmp_path / "runs"
    main_process = subprocess.Popen(["sleep", "300"])
    settings = {"MWAA_LOCAL_HEALTH_MARKERS": str(tmp_path), "MWAA_LOCAL_HEALTH_PID": str(main_process.pid)}

    def run_count() -> int:
        return len(runs.read_text().splitlines()) if runs.exists() else 0

    try:
        answer.write_text("no running SchedulerJob on this host yet")
        assert probe("trusted", "scheduler", str(check), **settings) == (1, "no running SchedulerJob on this host yet")
        assert probe("trusted", "scheduler", str(check), **settings)[0] == 1
        assert run_count() == 2, "a container not yet healthy is checked every time"

        answer.write_text("healthy")
        assert probe("trusted", "scheduler", str(check), **settings) == (0, "healthy")
        code, output = probe("trusted", "scheduler", str(check), **settings)
        assert (code, run_count()) == (0, 3) and output.startswith("healthy (checked "), "trusted: not run"

        (marker,) = tmp_path.glob("mwaa-local-healthy-scheduler-*")
        half_a_minute_ago = time.time() - 31
        os.utime(marker, (half_a_minute_ago, half_a_minute_ago))
        answer.write_text("SchedulerJob last heartbeat 75s ago")
        assert probe("trusted", "scheduler", str(check), **settings) == (1, "SchedulerJob last heartbeat 75s ago")
        assert not marker.exists() and run_count() == 4, "checked again once the trust ran out, and distrusted"

        answer.write_text("healthy")
        assert probe("trusted", "scheduler", str(check), **settings)[0] == 0
    finally:
        main_process.kill()
        main_process.wait()
    time.sleep(0.02)  # another process, started later: a restarted container's main process
    restarted = subprocess.Popen(["sleep", "300"])
    try:
        answer.write_text("starting")
        restarted_settings = {**settings, "MWAA_LOCAL_HEALTH_PID": str(restarted.pid)}
        assert probe("trusted", "scheduler", str(check), **restarted_settings) == (1, "starting"), (
            "a restart proves itself again"
        )
    finally:
        restarted.kill()
        restarted.wait()


def test_heartbeat_runs_the_runtimes_check_through_trusted(tmp_path: Path) -> None:
    fake_python = tmp_path / "python"
    fake_python.write_text('#!/bin/bash\necho "asked: $*"\n')
    fake_python.chmod(0o755)
    settings = {"MWAA_LOCAL_HEALTH_MARKERS": str(tmp_path), "MWAA_LOCAL_HEALTH_PYTHON": str(fake_python)}
    assert probe("heartbeat", "triggerer", **settings) == (0, "asked: -m emulator.container health triggerer")
    assert [path.name.rsplit("-", 1)[0] for path in tmp_path.glob("mwaa-local-healthy-*")] == [
        "mwaa-local-healthy-triggerer"
    ]
