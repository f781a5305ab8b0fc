"""MWAA's environment status machine (docs/reference.md §6), as pure functions over an immutable record.

CREATING → AVAILABLE | CREATE_FAILED. AVAILABLE or UPDATE_FAILED → UPDATING → AVAILABLE, or on
failure → ROLLING_BACK → UPDATE_FAILED (the previous configuration running again). Any settled
status → DELETING → DELETED. `LastUpdate.Status` moves PENDING → SUCCESS | FAILED, with `Error`
filled on failure. The status names come from botocore's model (EnvironmentStatus, UpdateStatus).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from emulator.model import shapes
from emulator.model.errors import EnvironmentConfigError, StateError


def _enum(shape_name: str) -> tuple[str, ...]:
    return tuple(shapes.service_model().shape_for(shape_name).enum)


ENVIRONMENT_STATUSES = _enum("EnvironmentStatus")
UPDATE_STATUSES = _enum("UpdateStatus")


def _status(name: str, known: tuple[str, ...]) -> str:
    if name not in known:
        raise RuntimeError(f"botocore's MWAA model has no status {name}; known: {', '.join(known)}.")
    return name


CREATING = _status("CREATING", ENVIRONMENT_STATUSES)
CREATE_FAILED = _status("CREATE_FAILED", ENVIRONMENT_STATUSES)
AVAILABLE = _status("AVAILABLE", ENVIRONMENT_STATUSES)
UPDATING = _status("UPDATING", ENVIRONMENT_STATUSES)
ROLLING_BACK = _status("ROLLING_BACK", ENVIRONMENT_STATUSES)
UPDATE_FAILED = _status("UPDATE_FAILED", ENVIRONMENT_STATUSES)
UNAVAILABLE = _status("UNAVAILABLE", ENVIRONMENT_STATUSES)
DELETING = _status("DELETING", ENVIRONMENT_STATUSES)
DELETED = _status("DELETED", ENVIRONMENT_STATUSES)

PENDING = _status("PENDING", UPDATE_STATUSES)
SUCCESS = _status("SUCCESS", UPDATE_STATUSES)
FAILED = _status("FAILED", UPDATE_STATUSES)

# Statuses no operation is running in: the environment can be deleted from any of them.
SETTLED = (AVAILABLE, CREATE_FAILED, UPDATE_FAILED, UNAVAILABLE)
# Statuses an update may start from (an UPDATE_FAILED environment runs its previous configuration).
UPDATABLE = (AVAILABLE, UPDATE_FAILED)
# The error code of a create or update that a restart of the control plane cut short.
INTERRUPTED = "INTERRUPTED"


class TransitionError(EnvironmentConfigError):
    """An operation the environment's status does not allow (MWAA answers ValidationException)."""


@dataclass(frozen=True)
class LastUpdate:
    """`LastUpdate` of GetEnvironment: the latest create or update and how it ended."""

    status: str
    created_at: float
    error_code: str | None = None
    error_message: str | None = None
    source: str | None = None
    worker_replacement_strategy: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The `LastUpdate` structure as MWAA returns it (absent members left out)."""
        data: dict[str, Any] = {"Status": self.status, "CreatedAt": self.created_at}
        if self.error_code is not None or self.error_message is not None:
            error = {"ErrorCode": self.error_code, "ErrorMessage": self.error_message}
            data["Error"] = {key: value for key, value in error.items() if value is not None}
        if self.source is not None:
            data["Source"] = self.source
        if self.worker_replacement_strategy is not None:
            data["WorkerReplacementStrategy"] = self.worker_replacement_strategy
        return data

    @classmethod
    def from_dict(cls, data: Any) -> LastUpdate:
        if not isinstance(data, dict):
            raise StateError(f"A saved LastUpdate must be a JSON object; got {data!r}.")
        status = data.get("Status")
        if status not in UPDATE_STATUSES:
            raise StateError(f"A saved LastUpdate has status {status!r}; known: {', '.join(UPDATE_STATUSES)}.")
        error = data.get("Error") or {}
        return cls(
            status=str(status),
            created_at=_epoch(data.get("CreatedAt"), "LastUpdate.CreatedAt"),
            error_code=error.get("ErrorCode"),
            error_message=error.get("ErrorMessage"),
            source=data.get("Source"),
            worker_replacement_strategy=data.get("WorkerReplacementStrategy"),
        )


@dataclass(frozen=True)
class Lifecycle:
    """Where an environment is in MWAA's status machine."""

    name: str
    status: str
    created_at: float
    last_update: LastUpdate

    def to_dict(self) -> dict[str, Any]:
        return {
            "Name": self.name,
            "Status": self.status,
            "CreatedAt": self.created_at,
            "LastUpdate": self.last_update.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Any) -> Lifecycle:
        if not isinstance(data, dict):
            raise StateError(f"A saved environment status must be a JSON object; got {data!r}.")
        status = data.get("Status")
        if status not in ENVIRONMENT_STATUSES:
            raise StateError(
                f"Environment {data.get('Name')} has the saved status {status!r}; "
                f"known: {', '.join(ENVIRONMENT_STATUSES)}."
            )
        return cls(
            name=str(data.get("Name")),
            status=str(status),
            created_at=_epoch(data.get("CreatedAt"), "CreatedAt"),
            last_update=LastUpdate.from_dict(data.get("LastUpdate")),
        )


def _epoch(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StateError(f"A saved {what} must be epoch seconds; got {value!r}.")
    return float(value)


def _require(lifecycle: Lifecycle, allowed: tuple[str, ...], operation: str) -> None:
    if lifecycle.status not in allowed:
        raise TransitionError(
            f"Environment {lifecycle.name} is {lifecycle.status}; {operation} needs it to be {' or '.join(allowed)}.",
            hint="Wait until the environment's status settles, then try again.",
        )


def _move(
    lifecycle: Lifecycle, to: str, update_status: str, error_code: str | None = None, error_message: str | None = None
) -> Lifecycle:
    """`lifecycle` in status `to`, its last update ended with `update_status` (and the error)."""
    last_update = replace(
        lifecycle.last_update, status=update_status, error_code=error_code, error_message=error_message
    )
    return replace(lifecycle, status=to, last_update=last_update)


def creating(name: str, now: float) -> Lifecycle:
    """A new environment: CREATING, its creation the pending last update."""
    return Lifecycle(name=name, status=CREATING, created_at=now, last_update=LastUpdate(status=PENDING, created_at=now))


def create_succeeded(lifecycle: Lifecycle) -> Lifecycle:
    _require(lifecycle, (CREATING,), "finishing a create")
    return _move(lifecycle, AVAILABLE, update_status=SUCCESS)


def create_failed(lifecycle: Lifecycle, error_code: str, error_message: str) -> Lifecycle:
    _require(lifecycle, (CREATING,), "failing a create")
    return _move(lifecycle, CREATE_FAILED, update_status=FAILED, error_code=error_code, error_message=error_message)


def updating(
    lifecycle: Lifecycle, now: float, source: str | None = None, worker_replacement_strategy: str | None = None
) -> Lifecycle:
    """An update starts: UPDATING, a new pending last update (the previous error forgotten)."""
    _require(lifecycle, UPDATABLE, "UpdateEnvironment")
    last_update = LastUpdate(
        status=PENDING, created_at=now, source=source, worker_replacement_strategy=worker_replacement_strategy
    )
    return replace(lifecycle, status=UPDATING, last_update=last_update)


def update_succeeded(lifecycle: Lifecycle) -> Lifecycle:
    _require(lifecycle, (UPDATING,), "finishing an update")
    return _move(lifecycle, AVAILABLE, update_status=SUCCESS)


def rolling_back(lifecycle: Lifecycle, error_code: str, error_message: str) -> Lifecycle:
    """The update failed: ROLLING_BACK to the previous configuration, the last update FAILED."""
    _require(lifecycle, (UPDATING,), "rolling back an update")
    return _move(lifecycle, ROLLING_BACK, update_status=FAILED, error_code=error_code, error_message=error_message)


def rollback_finished(lifecycle: Lifecycle) -> Lifecycle:
    """The previous configuration runs again: UPDATE_FAILED (usable), the error kept."""
    _require(lifecycle, (ROLLING_BACK,), "finishing a rollback")
    return replace(lifecycle, status=UPDATE_FAILED)


def rollback_failed(lifecycle: Lifecycle, why: str) -> Lifecycle:
    """The previous configuration did not come back either: UNAVAILABLE, both errors kept."""
    _require(lifecycle, (ROLLING_BACK,), "failing a rollback")
    first = lifecycle.last_update.error_message or ""
    message = f"{first[:400]} The rollback failed too: {why}"
    return _move(lifecycle, UNAVAILABLE, FAILED, lifecycle.last_update.error_code, message[:1024])


def deleting(lifecycle: Lifecycle) -> Lifecycle:
    _require(lifecycle, SETTLED, "DeleteEnvironment")
    return replace(lifecycle, status=DELETING)


def deleted(lifecycle: Lifecycle) -> Lifecycle:
    _require(lifecycle, (DELETING,), "finishing a delete")
    return replace(lifecycle, status=DELETED)


def interrupted_message(lifecycle: Lifecycle, operation: str) -> str:
    return (
        f"The {operation} of environment {lifecycle.name} was interrupted by a restart of the mwaa-local control plane."
    )


def settle_interrupted(lifecycle: Lifecycle) -> Lifecycle:
    """After a control-plane restart: a create or update found in progress ends FAILED with the
    reason, never stuck. A rollback cut short ends UPDATE_FAILED too (the saved configuration is
    the previous one). Any other status is returned as is (a delete is resumed, not failed)."""
    if lifecycle.status == CREATING:
        operation, settled = "create", CREATE_FAILED
    elif lifecycle.status in (UPDATING, ROLLING_BACK):
        operation, settled = "update", UPDATE_FAILED
    else:
        return lifecycle
    if lifecycle.status == ROLLING_BACK:
        return replace(lifecycle, status=settled)
    message = interrupted_message(lifecycle, operation)
    return _move(lifecycle, settled, update_status=FAILED, error_code=INTERRUPTED, error_message=message)
