import socket
import time
from pathlib import Path

import pytest

from emulator.docker.compose import ServiceContainer, published_ports
from emulator.docker.ports import HostPort, check_free, free_port, in_use
from emulator.model.errors import PortInUseError


def test_a_taken_port_is_named_with_the_setting_that_changes_it() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        wanted = [HostPort(port, "the Airflow UI", "mwaa-local up --web-port N")]
        with pytest.raises(PortInUseError) as caught:
            check_free(wanted, ours=set())
        assert caught.value.message == f"Port {port} (the Airflow UI) is already in use on this machine."
        assert "mwaa-local up --web-port N" in caught.value.hint
        check_free(wanted, ours={port})  # held by our own container: fine


def test_a_free_port_passes() -> None:
    port = free_port()
    assert in_use(port) is False
    check_free([HostPort(port, "x", "y")], ours=set())  # does not raise
    with socket.socket() as holder:  # control: the same port, held by a listener
        holder.bind(("127.0.0.1", port))
        holder.listen()
        assert in_use(port) is True
        with pytest.raises(PortInUseError):
            check_free([HostPort(port, "x", "y")], ours=set())


def test_published_ports_are_read_from_the_containers() -> None:
    containers = [
        ServiceContainer("web", "p-web-1", "running", "healthy", 0, ("127.0.0.1:8080->8080",)),
        ServiceContainer("s3", "p-s3-1", "running", "healthy", 0, ("0.0.0.0:9001->9001",)),
    ]
    assert published_ports(containers) == {8080, 9001}


def test_connections_still_closing_do_not_count_as_in_use() -> None:
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert in_use(port) is True  # control: listening
        peer = socket.create_connection(("127.0.0.1", port), timeout=2)
        accepted, _ = server.accept()
        accepted.close()  # the server side closes first: its end waits in TIME_WAIT
        peer.close()
    if LINUX_TCP_TABLE.exists():  # the case is real: a connection on the port is in TIME_WAIT
        deadline = time.monotonic() + 2
        while not time_wait_on(port) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert time_wait_on(port), f"no TIME_WAIT connection on port {port}"
    assert in_use(port) is False
    check_free([HostPort(port, "x", "y")], ours=set())  # does not raise


LINUX_TCP_TABLE = Path("/proc/net/tcp")
TIME_WAIT = "06"


def time_wait_on(port: int) -> bool:
    """Whether Linux lists a TIME_WAIT connection whose local port is `port`."""
    rows = (line.split() for line in LINUX_TCP_TABLE.read_text().splitlines()[1:])
    return any(int(row[1].rpartition(":")[2], 16) == port and row[3] == TIME_WAIT for row in rows)
