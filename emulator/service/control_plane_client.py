"""The CLI's side of the control plane: MWAA API calls through botocore (as boto3 makes them),
and waiting for an environment's status to settle while showing what its job is doing."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import botocore.exceptions
import botocore.session
from botocore.config import Config

from emulator.model import errors, status
from emulator.model.account import DEFAULT_REGION
from emulator.model.errors import EnvironmentConfigError, EnvironmentNotFoundError, MwaaLocalError
from emulator.polling import poll

# Statuses an operation is still running in.
IN_PROGRESS = (status.CREATING, status.UPDATING, status.ROLLING_BACK, status.DELETING)
POLL_SECONDS = 1.0
Progress = Callable[[str, float], None]  # what the job does, seconds waited


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


def error_class(code: str) -> type[MwaaLocalError]:
    """The exception (and so the exit code) a failed job's LastUpdate.Error.ErrorCode names."""
    found = getattr(errors, code, None)
    if isinstance(found, type) and issubclass(found, MwaaLocalError):
        return found
    return EnvironmentConfigError if code == "INCORRECT_CONFIGURATION" else MwaaLocalError


class ControlPlaneClient:
    def __init__(self, endpoint: str, access_key: str, secret_key: str, service: str = "mwaa") -> None:
        self.endpoint = endpoint
        self._client = _session().create_client(
            service,
            region_name=DEFAULT_REGION,
            endpoint_url=endpoint,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            # The API answers on its own host: no `api.`/`env.` prefix (AWS_DISABLE_HOST_PREFIX_INJECTION).
            config=Config(inject_host_prefix=False, retries={"max_attempts": 3, "mode": "standard"}),
        )

    def call(self, operation: str, **members: Any) -> dict[str, Any]:
        """One MWAA operation (boto3's method name); its errors as the MwaaLocalError tree."""
        try:
            response: dict[str, Any] = getattr(self._client, operation)(**members)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            raise self.translated(error) from error
        response.pop("ResponseMetadata", None)
        return response

    def translated(self, error: Exception) -> MwaaLocalError:
        """A botocore error as the MwaaLocalError tree (with its exit code and a hint)."""
        if isinstance(error, botocore.exceptions.ClientError):
            code = error.response.get("Error", {}).get("Code", "")
            message = error.response.get("Error", {}).get("Message", str(error))
            kind: type[MwaaLocalError] = {
                "ValidationException": EnvironmentConfigError,
                "ResourceNotFoundException": EnvironmentNotFoundError,
            }.get(code, MwaaLocalError)
            return kind(message, hint=f"The MWAA API answered {code}.")
        if isinstance(error, botocore.exceptions.ParamValidationError):
            return EnvironmentConfigError(str(error), hint="Fix the environment settings.")
        return MwaaLocalError(
            f"The MWAA API at {self.endpoint} does not answer ({error}).",
            hint="`mwaa-local status` shows the region's control-plane service; `mwaa-local up` starts it.",
        )

    def rest(self, name: str, method: str, path: str, **members: Any) -> tuple[int, Any]:
        """InvokeRestApi: Airflow's status and answer, an error status included (MWAA relays
        those as RestApiClientException / RestApiServerException with the same members)."""
        try:
            response = self._client.invoke_rest_api(Name=name, Method=method, Path=path, **members)
        except botocore.exceptions.ClientError as error:
            if "RestApiStatusCode" not in error.response:
                raise self.translated(error) from error
            return int(error.response["RestApiStatusCode"]), error.response.get("RestApiResponse")
        except botocore.exceptions.BotoCoreError as error:
            raise self.translated(error) from error
        return int(response["RestApiStatusCode"]), response.get("RestApiResponse")

    def pages(self, operation: str, member: str) -> list[Any]:
        """Every page's `member` of a paginated operation (NextToken followed)."""
        found, token = [], None
        while True:
            page = self.call(operation, **({"NextToken": token} if token else {}))
            found.append(page.get(member) or [])
            token = page.get("NextToken")
            if not token:
                return found

    def environment(self, name: str) -> dict[str, Any] | None:
        """GetEnvironment's Environment, or None when there is none of that name."""
        try:
            return dict(self.call("get_environment", Name=name)["Environment"])
        except EnvironmentNotFoundError:
            return None

    def wait(
        self, name: str, timeout: float, on_progress: Progress, progress_of: Callable[[], str]
    ) -> dict[str, Any] | None:
        """Poll until the environment's status settles (None once it is deleted); StartTimeoutError
        after `timeout` seconds, naming what its job is still doing (the job goes on)."""

        def settled(waited: float) -> tuple[dict[str, Any] | None] | None:
            found = self.environment(name)
            if found is None or found["Status"] not in IN_PROGRESS:
                return (found,)
            doing = (progress_of() or found["Status"].lower()).removeprefix("starting: ")
            on_progress(doing, waited)
            if waited > timeout:
                raise errors.StartTimeoutError(
                    f"Environment {name}: not ready after {timeout:.0f}s. Still starting: {doing}. The stack is "
                    f"left running: it is {found['Status']}, and the control plane goes on with it.",
                    hint=f"`mwaa-local get {name}` shows its status; `mwaa-local logs` shows why it is slow.",
                )
            return None

        outcome = poll(settled, math.inf, POLL_SECONDS)  # ends by settling or by the timeout above
        assert outcome is not None
        return outcome[0]


def failure(environment: dict[str, Any]) -> MwaaLocalError:
    """The error of a create or update that ended FAILED, as the exception its code names."""
    error = (environment.get("LastUpdate") or {}).get("Error") or {}
    code = str(error.get("ErrorCode") or "")
    why = error.get("ErrorMessage") or "no reason given"
    return error_class(code)(
        f"Environment {environment['Name']} is {environment['Status']}: {why}",
        hint=f"`mwaa-local logs --name {environment['Name']}` shows the services' logs; "
        f"`mwaa-local logs requirements_install --name {environment['Name']}` the requirements install and "
        f"`mwaa-local logs startup_script_execution --name {environment['Name']}` the startup script's output.",
    )
