"""The edge's HTTP application in front of the environment's web component: MWAA's
`/aws_mwaa/cli` (docs/reference.md §8), its web login (§9), the control plane's InvokeRestApi leg (§10);
everything else is proxied."""

from __future__ import annotations

import base64
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
from packaging.version import Version
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulator.container.edge import allowed_commands, rest, web_login
from emulator.container.edge.accounts import Accounts
from emulator.container.edge.proxy import forward, stateless_client
from emulator.container.edge.runner_client import RunnerBusy, RunnerClient, RunnerUnavailable
from emulator.model import tokens
from emulator.model.container_contract import EDGE_REST_PATH, SSO_PATH
from emulator.model.request_size import CLI_REQUEST_BYTES, RequestTooLarge, read_body


@dataclass(frozen=True)
class EdgeSettings:
    environment: str
    airflow_version: str
    token_key: bytes
    upstream: str  # the web component: http://webserver:8080 or http://api-server:8080


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def refused(status: int, message: str) -> JSONResponse:
    """A refusal before anything ran: `stderr` carries the reason, so the documented recipes,
    which print the decoded stderr, show it."""
    return JSONResponse({"stdout": "", "stderr": _b64(message.encode() + b"\n"), "message": message}, status)


def make_app(
    settings: EdgeSettings,
    runner: RunnerClient,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """`transport`: how the web component is reached (tests give a stand-in)."""

    async def cli(request: Request) -> Response:
        token = tokens.bearer(request.headers.get("authorization", ""))
        if token is None:
            return refused(401, "Missing CLI token: send `Authorization: Bearer <CliToken>` from CreateCliToken.")
        try:
            tokens.verify(settings.token_key, token, "cli", settings.environment, clock())
        except tokens.TokenRefused as error:
            return refused(403, f"Invalid CLI token: {error}")
        try:
            body = await read_body(request, CLI_REQUEST_BYTES)
        except RequestTooLarge as error:
            return refused(413, str(error))
        try:
            argv = allowed_commands.parse(body, settings.airflow_version)
        except allowed_commands.CommandRefused as error:
            return refused(500 if error.disallowed else 400, str(error))
        try:
            outcome = await runner.run({"op": "cli", "argv": argv})
        except RunnerBusy as error:
            return refused(429, f"{error} MWAA runs CLI requests with limited concurrency: send one at a time.")
        except RunnerUnavailable as error:
            return refused(503, str(error))
        except TimeoutError:
            return refused(504, f"The command ran longer than {runner.run_seconds:g} s and was abandoned.")
        return JSONResponse({"stdout": _b64(outcome.stdout), "stderr": _b64(outcome.stderr)})

    client = stateless_client(settings.upstream, transport)
    family = Version(settings.airflow_version).major
    accounts = Accounts(runner, settings.upstream, family, transport)
    sso, login = web_login.handlers(settings.environment, settings.token_key, family, accounts, clock)
    rest_call = rest.handler(settings.environment, settings.token_key, accounts, client, clock)

    return Starlette(
        routes=[
            Route("/aws_mwaa/cli", cli, methods=["POST"]),
            Route(SSO_PATH, sso, methods=["GET"]),
            Route(web_login.login_path(family), login, methods=["POST"]),
            Route(EDGE_REST_PATH, rest_call, methods=["POST"]),
            proxy_route(client),
        ],
        lifespan=closing(client),
    )


def make_plain_app(upstream: str, transport: httpx.AsyncBaseTransport | None = None) -> Starlette:
    """The UI's plain-http port: the web servers as they are, nothing of MWAA's own (MWAA serves
    its endpoints over https only)."""
    client = stateless_client(upstream, transport)
    return Starlette(routes=[proxy_route(client)], lifespan=closing(client))


def proxy_route(client: httpx.AsyncClient) -> Route:
    """Everything else, to the web servers: the client reaches one of them per connection, the
    service name resolving to every replica."""

    async def proxied(request: Request) -> Response:
        try:
            return await forward(client, request)
        except httpx.TransportError as error:
            return Response(f"The Airflow web server is not answering: {error}\n", 502, media_type="text/plain")

    return Route("/{path:path}", proxied, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])


def closing(client: httpx.AsyncClient) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()

    return lifespan
