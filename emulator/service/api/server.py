"""The control-plane API as a Starlette app (one route per operation of botocore's MWAA model),
and the ways to run it: `serve` in the foreground, `ServerThread` in the background (tests)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

import uvicorn
from botocore import xform_name
from botocore.model import OperationModel
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from emulator.model import shapes
from emulator.model.aws_services import served, signing_name
from emulator.model.errors import EnvironmentConfigError, MwaaLocalError, UnknownOperationError
from emulator.model.request_size import API_REQUEST_BYTES, RequestTooLarge, read_body
from emulator.model.shapes import without_documents
from emulator.service.api.backend import Operations
from emulator.service.api.parsing import parse_input
from emulator.service.api.routes import OperationRoute
from emulator.service.api.serialize import error_response, output_response
from emulator.service.console.app import PREFIX as CONSOLE
from emulator.service.iam.access import CALLER_OPERATIONS, AccessControl, check
from emulator.service.iam.signature import signed_request

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566
SERVERLESS_SIGNING_NAME = "airflow-serverless"
SERVERLESS_TARGET = "AmazonMWAAServerless."
INTERNAL_MESSAGE = "An internal error occurred in the mwaa-local control plane; its log has the details."
log = logging.getLogger(__name__)


def handler_of(operations: Operations, operation: OperationModel) -> Callable[..., dict[str, Any]]:
    method = getattr(operations, xform_name(operation.name), None)
    if not callable(method):
        raise TypeError(f"{type(operations).__name__} has no method {xform_name(operation.name)} for {operation.name}.")
    return method  # type: ignore[no-any-return]


def mwaa_error(error: MwaaLocalError) -> Response:
    return error_response(error.aws_code, error.http_status, error.message, getattr(error, "extra", None))


def make_app(
    operations: Operations,
    access: AccessControl,
    aws: ASGIApp | None = None,
    console: ASGIApp | None = None,
    serverless: ASGIApp | None = None,
) -> ASGIApp:
    """The MWAA API over `operations`: every operation of the model routed, its signature and
    the caller's permission checked, parsed, validated against its input shape, carried out in
    a worker thread and serialised as rest-json."""
    model = shapes.service_model()
    handlers = {name: handler_of(operations, model.operation_model(name)) for name in model.operation_names}

    async def endpoint(request: Request, operation: OperationModel, labels: dict[str, str]) -> Response:
        try:
            body = await read_body(request, API_REQUEST_BYTES)
            principal = access.caller(signed_request(request, body))
            caller = check(access, principal, operation.name, labels)
            members = parse_input(request, body, operation, labels)
            errors = shapes.validate_input(operation.name, without_documents(members, operation.input_shape))
            if errors:
                raise EnvironmentConfigError(shapes.validation_message(errors))
            if operation.name in CALLER_OPERATIONS:
                output = await run_in_threadpool(handlers[operation.name], members, caller)
            else:
                output = await run_in_threadpool(handlers[operation.name], members)
            return output_response(operation, output)
        except MwaaLocalError as error:
            return mwaa_error(error)
        except RequestTooLarge as error:
            # AWS's front door answers an oversized request before any service sees it.
            return error_response("RequestEntityTooLargeException", 413, str(error))
        except Exception:
            log.exception("%s failed", operation.name)
            return error_response("InternalServerException", 500, INTERNAL_MESSAGE)

    async def unknown(request: Request, exc: Exception) -> Response:
        # AWS documents no wording for a path no operation has; this one is mwaa-local's.
        error = UnknownOperationError(f"No MWAA operation is {request.method} {request.url.path}.")
        return mwaa_error(error)

    async def internal(request: Request, exc: Exception) -> Response:
        return error_response("InternalServerException", 500, INTERNAL_MESSAGE)

    routes = [OperationRoute(model.operation_model(name), endpoint) for name in model.operation_names]
    mwaa = Starlette(routes=routes, exception_handlers={HTTPException: unknown, Exception: internal})
    if aws is None and console is None and serverless is None:
        return mwaa
    return by_service(mwaa, aws, console, serverless)


def for_serverless(headers: Headers) -> bool:
    """A request for MWAA Serverless: signed for it, or (unsigned) naming one of its operations."""
    target = headers.get("x-amz-target", "")
    return signing_name(headers) == SERVERLESS_SIGNING_NAME or target.startswith(SERVERLESS_TARGET)


def by_service(
    mwaa: ASGIApp, aws: ASGIApp | None = None, console: ASGIApp | None = None, serverless: ASGIApp | None = None
) -> ASGIApp:
    """One port for the region: the console's pages under /console (no MWAA path starts so), a
    request for MWAA Serverless to its API, one signed for CloudWatch Logs, CloudWatch, Secrets
    Manager or SSM to those services, every other (unsigned ones too) to the MWAA API."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await mwaa(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if console is not None and (scope["path"] == CONSOLE or scope["path"].startswith(f"{CONSOLE}/")):
            await console(scope, receive, send)
        elif serverless is not None and for_serverless(headers):
            await serverless(scope, receive, send)
        elif aws is not None and served(headers) is not None:
            await aws(scope, receive, send)
        else:
            await mwaa(scope, receive, send)

    return app


def serve(
    operations: Operations,
    access: AccessControl,
    aws: ASGIApp | None = None,
    console: ASGIApp | None = None,
    serverless: ASGIApp | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
) -> None:
    """Serve the APIs (and the console) in the foreground until interrupted."""
    uvicorn.run(make_app(operations, access, aws, console, serverless), host=host, port=port, log_level="info")


class ServerThread:
    """The API served by uvicorn in a background thread, for as long as the `with` block runs.
    Port 0 picks a free port; `url` is the endpoint to give boto3 (`endpoint_url`)."""

    def __init__(
        self,
        operations: Operations,
        access: AccessControl,
        host: str = DEFAULT_HOST,
        port: int = 0,
        aws: ASGIApp | None = None,
        console: ASGIApp | None = None,
        serverless: ASGIApp | None = None,
    ) -> None:
        app = make_app(operations, access, aws, console, serverless)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.host = host
        self.port = port
        self._thread = threading.Thread(target=self._run, name="mwaa-local-api", daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            asyncio.run(self.server.serve())
        except BaseException as error:  # reported by start()
            self._error = error

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> ServerThread:
        self._thread.start()
        waited = 0.0
        while not self.server.started:
            if self._error is not None or not self._thread.is_alive() or waited > timeout:
                self.stop()
                raise RuntimeError(f"The mwaa-local API did not start on {self.host}:{self.port}: {self._error}")
            self._thread.join(0.02)
            waited += 0.02
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
