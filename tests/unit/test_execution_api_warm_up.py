"""Airflow 3's API server is healthy before its task execution API is built; a detached shell
asks that API once the server listens, so the first task after `up` finds it built."""

from __future__ import annotations

import http.server
import threading

import pytest

from emulator.runtime import components
from emulator.stack.ports import free_port

pytestmark = pytest.mark.unit


def test_the_execution_api_is_asked_once_the_server_listens() -> None:
    port, asked = free_port(), []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    warm = components.warm_execution_api_later(port)  # before the server listens, as at a start
    try:
        server = http.server.HTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            assert warm.wait(timeout=30) == 0
        finally:
            server.shutdown()
    finally:
        warm.kill()
    assert asked == ["/execution/health"], "asked once, and only that"
