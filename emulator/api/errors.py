"""Errors only the API raises, each with the AWS identity it answers with (reference §5).

The wording of every message here is mwaa-local's own: AWS documents none of them.
"""

from __future__ import annotations

from typing import Any

from emulator.errors import MwaaLocalError


class SerializationError(MwaaLocalError):
    """The request body is not the JSON object the operation takes. AWS's rest-json services
    answer a malformed body with a 400 SerializationException."""

    aws_code = "SerializationException"
    http_status = 400


class UnknownOperationError(MwaaLocalError):
    """No operation of the model has this method and path."""

    aws_code = "UnknownOperationException"
    http_status = 404


class ServiceUnavailableError(MwaaLocalError):
    """The operation cannot be served (now, or yet, by mwaa-local)."""

    aws_code = "ServiceUnavailableException"
    http_status = 503


class NotImplementedYetError(ServiceUnavailableError):
    """An MWAA operation mwaa-local's control plane does not serve yet."""


class AccessDeniedError(MwaaLocalError):
    """The caller may not do this (its body member is `Message`, capital M)."""

    aws_code = "AccessDeniedException"
    http_status = 403


class RestApiError(MwaaLocalError):
    """InvokeRestApi's Airflow call answered an error: MWAA relays its status and body as the
    exception's RestApiStatusCode and RestApiResponse members (reference §10)."""

    http_status = 400

    def __init__(self, status: int, response: Any) -> None:
        super().__init__(f"The Airflow REST API answered HTTP {status}.")
        self.extra = {"RestApiStatusCode": status, "RestApiResponse": response}


class RestApiClientError(RestApiError):
    aws_code = "RestApiClientException"


class RestApiServerError(RestApiError):
    aws_code = "RestApiServerException"
