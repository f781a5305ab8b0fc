"""InvokeRestApi's last leg (docs/reference.md §10): the control plane posts the call here with a `rest`
token naming the caller and its Airflow role; the edge makes it on Airflow's REST API (`/api/v1`
on Airflow 2, `/api/v2` on Airflow 3) as that caller's Airflow user, within MWAA's limits, and
answers `{"status": <Airflow's status>, "response": <its JSON>}` (or `{"error": …}`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from emulator.container.edge.accounts import AccountError, Accounts
from emulator.container.edge.runner_client import RunnerBusy, RunnerUnavailable
from emulator.model import tokens
from emulator.model.request_size import API_REQUEST_BYTES, RequestTooLarge, read_body

TIMEOUT_SECONDS = 10.0  # MWAA ends the call after 10 s
MAX_RESPONSE_BYTES = 6 * 1024 * 1024  # MWAA's response payload limit


def query_value(value: Any) -> str:
    """A query parameter as the REST API reads it: JSON's booleans as `true`/`false`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def query_parameters(given: Any) -> tuple[tuple[str, str], ...]:
    """InvokeRestApi's QueryParameters (a JSON object) as query pairs; a list repeats its name."""
    if not isinstance(given, dict):
        return ()
    return tuple(
        (str(name), query_value(each))
        for name, value in given.items()
        for each in (value if isinstance(value, list) else [value])
    )


def handler(
    environment: str,
    key: bytes,
    accounts: Accounts,
    web: httpx.AsyncClient,
    clock: Callable[[], float],
) -> Callable[[Request], object]:
    async def call(request: Request) -> Response:
        token = tokens.bearer(request.headers.get("authorization", "")) or ""
        try:
            claims = tokens.verify(key, token, "rest", environment, clock())
        except tokens.TokenRefused as error:
            return JSONResponse({"error": f"Invalid REST token: {error}"}, 403)
        try:
            wanted = json.loads(await read_body(request, API_REQUEST_BYTES))
        except RequestTooLarge as error:
            return JSONResponse({"error": str(error)}, 413)
        except ValueError as error:
            return JSONResponse({"error": f"The call is not JSON: {error}."}, 400)
        if not isinstance(wanted, dict) or not all(isinstance(wanted.get(key), str) for key in ("Method", "Path")):
            return JSONResponse({"error": "The call must be a JSON object with a Method and a Path."}, 400)
        url = accounts.api_root + str(wanted["Path"])
        body = wanted.get("Body")
        for attempt in (1, 2):
            try:
                headers = await accounts.rest_headers(claims.identity, claims.role, web)
                if body is not None:
                    headers["Content-Type"] = "application/json"
                answer = await web.request(
                    str(wanted["Method"]),
                    url,
                    params=query_parameters(wanted.get("QueryParameters")),
                    headers=headers,
                    content=None if body is None else json.dumps(body).encode(),
                    timeout=TIMEOUT_SECONDS,
                )
            except AccountError as error:
                return JSONResponse({"error": str(error)}, 502)
            except (RunnerUnavailable, RunnerBusy) as error:  # the caller's Airflow user is made by the CLI runner
                return JSONResponse({"error": str(error)}, 503)
            except (httpx.TimeoutException, TimeoutError):
                return JSONResponse({"error": f"The REST API call ran longer than {TIMEOUT_SECONDS:g} s."}, 504)
            except httpx.HTTPError as error:
                return JSONResponse({"error": f"Airflow's web server does not answer: {error}"}, 502)
            if answer.status_code == 401 and attempt == 1:
                accounts.forget(claims.identity)  # its password changed elsewhere: set it again
                continue
            break
        if len(answer.content) > MAX_RESPONSE_BYTES:
            return JSONResponse({"error": f"The REST API response is larger than {MAX_RESPONSE_BYTES} bytes."}, 502)
        try:
            content: Any = answer.json()
        except ValueError:
            content = answer.text
        return JSONResponse({"status": answer.status_code, "response": content})

    return call
