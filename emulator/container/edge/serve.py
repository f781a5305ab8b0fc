"""The edge container's process: the https server on the WebserverUrl port and the plain-http
proxy on the UI's port, both in front of the environment's MinWebservers web servers; CLI
commands go to the warm Airflow CLI in the web container (emulator/container/runtime/cli_runner.py) over a
Unix socket on a volume the two share.

Its variables (compose/environment.yaml): `MWAA_LOCAL_EDGE_TOKEN_KEY` (hex, the environment's
token signing key), `MWAA_LOCAL_EDGE_CERTIFICATE` and `MWAA_LOCAL_EDGE_KEY` (base64 PEM: the
certificate chain and key from the machine's CA), `MWAA_LOCAL_EDGE_UPSTREAM` (the web component).
No Airflow process runs here, and no user code: the startup script is the Airflow components'.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from emulator.container.edge.runner_client import RunnerClient
from emulator.container.edge.web_app import EdgeSettings, make_app, make_plain_app
from emulator.container.runtime.group import CLI_RUNNER_SOCKET

PORT = 8443
PLAIN_PORT = 8080
WORK = Path("/tmp/mwaa-local-edge")
SOCKET = Path(CLI_RUNNER_SOCKET)
OWN_PREFIX = "MWAA_LOCAL_EDGE_"
CONCURRENCY = 4  # commands running at once; MWAA asks clients to send one at a time
QUEUE_SECONDS = 60.0
RUN_SECONDS = 600.0


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def main() -> int:
    environment = dict(os.environ)
    WORK.mkdir(parents=True, exist_ok=True)
    certificate, key = WORK / "certificate.pem", WORK / "key.pem"
    _write_private(certificate, base64.b64decode(environment[f"{OWN_PREFIX}CERTIFICATE"]))
    _write_private(key, base64.b64decode(environment[f"{OWN_PREFIX}KEY"]))
    settings = EdgeSettings(
        environment=environment["AIRFLOW_ENV_NAME"],
        airflow_version=environment["AIRFLOW_VERSION"],
        token_key=bytes.fromhex(environment[f"{OWN_PREFIX}TOKEN_KEY"]),
        upstream=environment[f"{OWN_PREFIX}UPSTREAM"],
    )
    runner = RunnerClient(SOCKET, CONCURRENCY, QUEUE_SECONDS, RUN_SECONDS)
    print(
        f"mwaa-local edge: https on port {PORT}, plain http on {PLAIN_PORT} for environment {settings.environment}",
        flush=True,
    )
    secure = server(make_app(settings, runner), PORT, ssl_certfile=str(certificate), ssl_keyfile=str(key))
    plain = server(make_plain_app(settings.upstream), PLAIN_PORT)
    asyncio.run(serve_together([secure, plain]))
    return 0


def server(app: Starlette, port: int, ssl_certfile: str | None = None, ssl_keyfile: str | None = None) -> SharedSignals:
    # All interfaces inside the container; compose publishes the ports on the host.
    config = uvicorn.Config(
        app,
        host="0.0.0.0",
        port=port,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        log_level="warning",
        access_log=False,
    )
    return SharedSignals(config)


class SharedSignals(uvicorn.Server):
    """A server of several in one process: `serve_together` stops them all on a signal (each
    uvicorn server would take the process's handlers for itself)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_together(servers: list[uvicorn.Server]) -> None:
    """Serve until SIGTERM or SIGINT, then shut every server down gracefully; if one stops by
    itself (its port taken, say), the others stop too and the container restarts."""

    def stop_all() -> None:
        for each in servers:
            each.should_exit = True

    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop_all)
    tasks = [asyncio.create_task(each.serve()) for each in servers]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    stop_all()
    await asyncio.gather(*tasks)


if __name__ == "__main__":
    sys.exit(main())
