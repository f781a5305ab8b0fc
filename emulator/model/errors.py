"""The one exception tree mwaa-local raises for problems a user can act on.

Every error carries a `hint`: the next thing to do. The CLI prints both and exits non-zero;
nothing is lost on the way out (a failed `up` leaves the stack running for inspection).

Every error also carries the AWS identity the MWAA API answers with (`aws_code`, the error
code botocore reads from `x-amzn-ErrorType`, and `http_status`), docs/reference.md §5.
"""

from __future__ import annotations

from typing import Any


class MwaaLocalError(Exception):
    """A problem the user can fix; `hint` says how."""

    exit_code = 1
    aws_code = "InternalServerException"
    http_status = 500

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class DockerUnavailableError(MwaaLocalError):
    """No Docker engine answers, or Compose v2 is missing."""

    exit_code = 3


class PortInUseError(MwaaLocalError):
    """A host port the stack publishes is taken by something else."""

    exit_code = 4


class ImageBuildError(MwaaLocalError):
    """`docker compose build` failed; the message holds the failing step."""

    exit_code = 5


class StartTimeoutError(MwaaLocalError):
    """Services did not become healthy in time; the stack is left running."""

    exit_code = 6


class EnvironmentConfigError(MwaaLocalError):
    """An environment record breaks MWAA's rules (shape, values, versions)."""

    exit_code = 2
    aws_code = "ValidationException"
    http_status = 400


class StateError(MwaaLocalError):
    """The saved state of an environment is missing or unreadable."""


class EnvironmentNotFoundError(StateError):
    """No environment has the name (or ARN) asked for."""

    aws_code = "ResourceNotFoundException"
    http_status = 404


# Errors only the MWAA API answers with. The wording of every message is mwaa-local's own:
# AWS documents none of them.


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
    exception's RestApiStatusCode and RestApiResponse members (docs/reference.md §10)."""

    http_status = 400

    def __init__(self, status: int, response: Any) -> None:
        super().__init__(f"The Airflow REST API answered HTTP {status}.")
        self.extra = {"RestApiStatusCode": status, "RestApiResponse": response}


class RestApiClientError(RestApiError):
    aws_code = "RestApiClientException"


class RestApiServerError(RestApiError):
    aws_code = "RestApiServerException"
