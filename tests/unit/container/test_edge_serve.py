"""The edge's two servers in one process (emulator/container/edge/serve.py): they start and stop together."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import pytest

from emulator.docker.ports import free_port

pytestmark = pytest.mark.unit

TWO_SERVERS = """
import asyncio, sys
from starlette.applications import Starlette
from emulator.container.edge.serve import serve_together, server
ports = [int(port) for port in sys.argv[1:]]
asyncio.run(serve_together([server(Starlette(), port) for port in ports]))
print("stopped", flush=True)
"""


def accepts(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def start(*ports: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", TWO_SERVERS, *map(str, ports)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_both_ports_serve_and_a_sigterm_stops_both() -> None:
    ports = free_port(), free_port()
    edge = start(*ports)
    try:
        deadline = time.monotonic() + 20
        while not all(map(accepts, ports)):
            assert edge.poll() is None and time.monotonic() < deadline, edge.communicate()
            time.sleep(0.1)
        edge.send_signal(signal.SIGTERM)
        out, err = edge.communicate(timeout=15)
    finally:
        edge.kill()
    assert (edge.returncode, out) == (0, "stopped\n"), err
    assert not any(map(accepts, ports)), "neither server outlives the signal"


def test_a_server_that_cannot_start_takes_the_other_down() -> None:
    """Half an edge (https without the UI's port, or the reverse) must not pass for a healthy one:
    the process ends and Docker restarts the container."""
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        edge = start(free_port(), taken.getsockname()[1])
        try:
            _, err = edge.communicate(timeout=20)
        finally:
            edge.kill()
    assert edge.returncode != 0
    assert "address already in use" in err.lower(), err
