"""The edge's HTTP application: MWAA's `/aws_mwaa/cli` endpoint (reference §8) in front of the
environment's web component, to which everything else is proxied."""

from __future__ import annotations

import base64
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulator.edge import commands, tokens
from emulator.edge.proxy import forward
from emulator.edge.runner_client import RunnerBusy, RunnerClient, RunnerUnavailable


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


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def make_app(
    settings: EdgeSettings,
    runner: RunnerClient,
    upstream: httpx.AsyncClient | None = None,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    async def cli(request: Request) -> Response:
        token = bearer_token(request)
        if token is None:
            return refused(401, "Missing CLI token: send `Authorization: Bearer <CliToken>` from CreateCliToken.")
        try:
            tokens.verify(settings.token_key, token, "cli", settings.environment, clock())
        except tokens.TokenRefused as error:
            return refused(403, f"Invalid CLI token: {error}")
        body = await request.body()
        try:
            argv = commands.parse(body, settings.airflow_version)
        except commands.CommandRefused as error:
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

    client = upstream or httpx.AsyncClient(base_url=settings.upstream, timeout=httpx.Timeout(300.0, connect=10.0))

    async def proxied(request: Request) -> Response:
        try:
            return await forward(client, request)
        except httpx.TransportError as error:
            return Response(f"The Airflow web server is not answering: {error}\n", 502, media_type="text/plain")

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    return Starlette(
        routes=[
            Route("/aws_mwaa/cli", cli, methods=["POST"]),
            Route("/{path:path}", proxied, methods=methods),
        ],
        lifespan=lifespan,
    )
