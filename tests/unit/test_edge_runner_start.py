"""The edge's warm runner accepts on its socket at once and imports Airflow only after the web
server answers, so its import does not compete with the components' starts (run for real; no
Airflow here, so the warm-up itself fails once it begins)."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from emulator.edge.service import RUNNER
from emulator.stack.ports import free_port
from tests.support import wait_for

pytestmark = pytest.mark.unit


def test_the_socket_is_there_first_and_the_warm_up_waits_for_the_web_server(tmp_path: Path) -> None:
    socket_path, port = tmp_path / "runner.sock", free_port()
    runner = subprocess.Popen(
        [sys.executable, str(RUNNER), str(socket_path), f"http://127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    web: http.server.HTTPServer | None = None
    try:
        wait_for(lambda: socket_path.is_socket(), 10, "the runner's socket")
        with pytest.raises(subprocess.TimeoutExpired):  # no web server yet: waiting, nothing imported
            runner.wait(timeout=1.5)

        web = http.server.HTTPServer(("127.0.0.1", port), http.server.BaseHTTPRequestHandler)
        threading.Thread(target=web.serve_forever, daemon=True).start()
        output, _ = runner.communicate(timeout=30)
    finally:
        runner.kill()
        if web is not None:
            web.shutdown()
    assert "No module named 'airflow'" in output, "it went on to warm up once the web server answered"
