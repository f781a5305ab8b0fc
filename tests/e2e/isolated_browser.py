"""A headless Chromium that host network changes cannot disturb.

Chromium drops every load in flight (net::ERR_NETWORK_CHANGED) when an address appears on or
leaves any of the host's interfaces, and Docker does that each time another test session creates
or removes a compose network. So the browser runs in a network namespace of its own, where the
only interface is its loopback, and reaches the host ports it is given, each through two relays
joined by a Unix socket (a socket file is visible from both namespaces):

    Chromium → localhost:PORT in its namespace → relay → socket file → relay → localhost:PORT

Run as a script, this module is the namespace side: it brings the loopback up, listens on the
ports, forks the relay and then becomes Chromium (keeping Playwright's pipes and process id).
"""

from __future__ import annotations

import fcntl
import os
import socket
import socketserver
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
CHUNK = 65536


def copy_until_closed(source: socket.socket, target: socket.socket) -> None:
    with suppress(OSError):  # a reset ends this direction like a close does
        while data := source.recv(CHUNK):
            target.sendall(data)
    # Half-close so the other direction can still finish (TLS close_notify, late responses).
    with suppress(OSError):
        target.shutdown(socket.SHUT_WR)


def join(first: socket.socket, second: socket.socket) -> None:
    """Relay both directions until both are closed, then close both sockets."""
    back = threading.Thread(target=copy_until_closed, args=(second, first), daemon=True)
    back.start()
    copy_until_closed(first, second)
    back.join()
    first.close()
    second.close()


def serve(listener: socket.socket, connect: Callable[[], socket.socket]) -> None:
    while True:
        accepted, _ = listener.accept()
        try:
            outgoing = connect()
        except OSError:
            accepted.close()
            continue
        threading.Thread(target=join, args=(accepted, outgoing), daemon=True).start()


def connect_unix(path: str) -> Callable[[], socket.socket]:
    def connect() -> socket.socket:
        outgoing = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        outgoing.connect(path)
        return outgoing

    return connect


def bring_loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        request = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(probe, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(probe, SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | IFF_UP))


def socket_path(folder: str, port: int) -> str:
    return os.path.join(folder, f"{port}.sock")


def namespace_side(ports: list[int], folder: str, chromium: str, arguments: list[str]) -> None:
    bring_loopback_up()
    # Both loopback addresses: Chromium may try ::1 first for localhost.
    listeners = {port: socket.create_server(("", port), family=socket.AF_INET6, dualstack_ipv6=True) for port in ports}
    browser = os.getpid()
    if os.fork() == 0:  # the relay: lives as long as Chromium does
        for port, listener in listeners.items():
            relay = connect_unix(socket_path(folder, port))
            threading.Thread(target=serve, args=(listener, relay), daemon=True).start()
        while os.getppid() == browser:
            time.sleep(0.5)
        os._exit(0)
    for listener in listeners.values():
        listener.close()
    os.execv(chromium, [chromium, *arguments])


class HostRelay(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

    def __init__(self, path: str, port: int) -> None:
        self.port = port
        super().__init__(path, HostConnection)


class HostConnection(socketserver.BaseRequestHandler):
    server: HostRelay

    def handle(self) -> None:
        outgoing = socket.create_connection(("localhost", self.server.port), timeout=30)
        outgoing.settimeout(None)
        join(self.request, outgoing)


@contextmanager
def isolated_chromium(chromium: Path, *ports: int) -> Iterator[Path]:
    """An executable for Playwright's `executable_path`: `chromium` in its own network namespace,
    reaching the host's `ports` (and nothing else) as localhost:`port`."""
    with tempfile.TemporaryDirectory(prefix="mwaa-local-browser-") as scratch:
        relays = [HostRelay(socket_path(scratch, port), port) for port in ports]
        for relay in relays:
            threading.Thread(target=relay.serve_forever, daemon=True).start()
        launcher = Path(scratch) / "chromium"
        launcher.write_text(
            "#!/bin/sh\n"
            f'exec unshare --net -- "{sys.executable}" "{Path(__file__).resolve()}" '
            f'{",".join(map(str, ports))} "{scratch}" "{chromium}" "$@"\n'
        )
        launcher.chmod(0o755)
        try:
            yield launcher
        finally:
            for relay in relays:
                relay.shutdown()
                relay.server_close()


if __name__ == "__main__":
    namespace_side([int(port) for port in sys.argv[1].split(",")], sys.argv[2], sys.argv[3], sys.argv[4:])
