"""The control plane's calls to an environment's edge, over the region network and the edge's
https (checked against the machine's CA): InvokeRestApi's call on Airflow's REST API."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx

from emulator.model.container_contract import EDGE_REST_PATH
from emulator.model.errors import RestApiClientError, RestApiServerError, ServiceUnavailableError
from emulator.state import certificates
from emulator.state import edge_credentials as credentials

EDGE_PORT = 8443
REQUEST_MEMBERS = ("Method", "Path", "QueryParameters", "Body")
# The edge's own limit is MWAA's 10 s on the Airflow call; the first call of a caller also
# makes its Airflow user.
CALL_TIMEOUT = 60.0


def call_rest_api(home: Path, edge_host: str, environment: str, token: str, request: dict[str, Any]) -> dict[str, Any]:
    """InvokeRestApi's output for `request`, made by the environment's edge as the token's caller;
    RestApiClientError / RestApiServerError for Airflow's 4xx / 5xx, as MWAA answers them."""
    context = ssl.create_default_context(cafile=str(credentials.ca_directory(home) / certificates.CA_FILE))
    try:
        with httpx.Client(verify=context, timeout=CALL_TIMEOUT) as client:
            answer = client.post(
                f"https://{edge_host}:{EDGE_PORT}{EDGE_REST_PATH}",
                json={member: request.get(member) for member in REQUEST_MEMBERS},
                headers={"Authorization": f"Bearer {token}"},
            )
    except httpx.HTTPError as error:
        raise ServiceUnavailableError(
            f"Environment {environment}'s web server does not answer: {error}",
            hint="`mwaa-local status` shows whether its edge is running.",
        ) from error
    return rest_api_output(answer.status_code, answer.json())


def rest_api_output(edge_status: int, found: dict[str, Any]) -> dict[str, Any]:
    """The edge's answer as InvokeRestApi's output or error."""
    if "error" in found:
        # The call never got an answer from Airflow (its time limit, its size limit, its user).
        raise RestApiServerError(edge_status, {"detail": found["error"]})
    status, response = int(found["status"]), found["response"]
    if status >= 500:
        raise RestApiServerError(status, response)
    if status >= 400:
        raise RestApiClientError(status, response)
    return {"RestApiStatusCode": status, "RestApiResponse": response}
