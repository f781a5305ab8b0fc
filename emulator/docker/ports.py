"""Host ports the stack publishes: refuse to start when something else holds one."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from emulator.model.errors import PortInUseError


@dataclass(frozen=True)
class HostPort:
    port: int
    purpose: str  # e.g. "the Airflow UI"
    setting: str  # what changes it, e.g. "mwaa-local up --web-port N"


def in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something listens on the port. Like Docker's own listener, the probe reuses the
    address, so connections still closing (TIME_WAIT) from a stopped stack do not count."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def check_free(wanted: list[HostPort], ours: set[int]) -> None:
    """Raise PortInUseError for the first wanted port held by anything but our own containers."""
    for item in wanted:
        if item.port not in ours and in_use(item.port):
            raise PortInUseError(
                f"Port {item.port} ({item.purpose}) is already in use on this machine.",
                hint=f"Stop what uses it (e.g. `lsof -i :{item.port}`), or choose another port: {item.setting}.",
            )


def free_port() -> int:
    """A port nothing listens on right now (for tests and benchmarks)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
