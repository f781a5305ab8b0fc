"""The MWAA operations over a store of entries, a way to run jobs and a provisioner that does
the work (Docker for the service; nothing for the in-memory spec).

Create, update and delete answer at once and run their work as a job that moves the entry
through MWAA's status machine (docs/reference.md §6); a failed update rolls the previous configuration
back. Requests for one environment are serialised; requests for different ones run side by side.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Protocol
from urllib.parse import unquote

from emulator.model import shapes, status, tokens
from emulator.model.errors import (
    EnvironmentConfigError,
    EnvironmentNotFoundError,
    MwaaLocalError,
    ServiceUnavailableError,
)
from emulator.model.record import EnvironmentRecord, build_record
from emulator.model.serverless.engine import ENGINE_NAME
from emulator.model.shapes import without_documents
from emulator.model.update import apply_update, worker_replacement_strategy
from emulator.model.view import environment_arn, get_environment_output
from emulator.service.iam.access import Caller
from emulator.service.provider.entries import Entry
from emulator.service.provider.jobs import Jobs
from emulator.service.provider.pagination import DEFAULT_PAGE_SIZE, decode_token, encode_token
from emulator.service.provider.store import Store

Input = dict[str, Any]
Output = dict[str, Any]
Report = Callable[[str], None]
# LastUpdate.Error.ErrorCode of a failed create or update whose cause has no code of its own.
INCORRECT_CONFIGURATION = "INCORRECT_CONFIGURATION"
INTERNAL_ERROR = "INTERNAL_ERROR"
ERROR_MESSAGE_LIMIT = 1024  # the model's ErrorMessage maximum


class Provisioner(Protocol):
    """The runtime side of the operations: Docker for the service."""

    def check_new(self, record: EnvironmentRecord) -> None:
        """Refuse a record MWAA would refuse at request time (its bucket); EnvironmentConfigError."""

    def resolve_files(self, record: EnvironmentRecord) -> EnvironmentRecord:
        """`record` with the object versions of its configuration files (requirements, plugins,
        startup script) checked, or fixed to the current ones; EnvironmentConfigError."""

    def apply(self, record: EnvironmentRecord, report: Report) -> None:
        """Make the environment run `record` (create it, or change it), healthy when it returns."""

    def remove(self, name: str, report: Report) -> None:
        """Delete the environment's containers, data and local state."""

    def webserver_url(self, name: str) -> str: ...

    def token_key(self, name: str) -> bytes:
        """The key the environment's edge checks CLI and web login tokens with."""

    def call_rest_api(self, name: str, token: str, request: Input) -> Output:
        """InvokeRestApi's output, from the environment's Airflow REST API as the token's caller."""


class NullProvisioner:
    """Does nothing and always succeeds: the record semantics alone."""

    def __init__(self, webserver_url: Callable[[str], str] | None = None) -> None:
        self._webserver_url = webserver_url or (lambda name: "localhost:8080")
        self.key = secrets.token_bytes(32)

    def token_key(self, name: str) -> bytes:
        return self.key

    def call_rest_api(self, name: str, token: str, request: Input) -> Output:
        raise ServiceUnavailableError(
            "The in-memory control plane runs no Airflow: InvokeRestApi needs a running environment."
        )

    def check_new(self, record: EnvironmentRecord) -> None:
        pass

    def resolve_files(self, record: EnvironmentRecord) -> EnvironmentRecord:
        return record

    def apply(self, record: EnvironmentRecord, report: Report) -> None:
        pass

    def remove(self, name: str, report: Report) -> None:
        pass

    def webserver_url(self, name: str) -> str:
        return self._webserver_url(name)


def check(operation: str, request: Input) -> None:
    """ValidationException (AWS's wording) when `request` breaks the operation's input shape
    (free-form JSON members, like InvokeRestApi's QueryParameters, are not checked)."""
    errors = shapes.validate_input(operation, without_documents(request, shapes.operation(operation).input_shape))
    if errors:
        raise EnvironmentConfigError(shapes.validation_message(errors), hint=f"Fix the {operation} request.")


def check_rest_path(path: str) -> None:
    """InvokeRestApi's Path is a path under Airflow's REST API root: a `.` or `..` segment (plain
    or percent-encoded) would step out of it to other Airflow endpoints, so it is refused."""
    segments = [unquote(segment) for segment in path.split("?", 1)[0].split("/")]
    if any(segment in (".", "..") for segment in segments):
        raise EnvironmentConfigError(
            f"Invalid request provided: Path {path!r} has a '.' or '..' segment.",
            hint="Give a path of Airflow's REST API, such as /dags/my_dag/dagRuns.",
        )


def not_found(name: str) -> EnvironmentNotFoundError:
    # AWS documents no wording for an unknown environment; this one is mwaa-local's.
    return EnvironmentNotFoundError(
        f"Environment {name} not found.", hint="List the environments with `aws mwaa list-environments`."
    )


def failure_of(error: BaseException) -> tuple[str, str]:
    """LastUpdate.Error's code and message for what a job raised."""
    if isinstance(error, MwaaLocalError):
        code = INCORRECT_CONFIGURATION if isinstance(error, EnvironmentConfigError) else type(error).__name__
        message = error.message + (f" {error.hint}" if error.hint else "")
    else:
        code, message = INTERNAL_ERROR, f"{type(error).__name__}: {error}"
    if len(message) > ERROR_MESSAGE_LIMIT:  # the start says what failed, the end its last words
        head = ERROR_MESSAGE_LIMIT // 4
        message = message[:head] + "…" + message[-(ERROR_MESSAGE_LIMIT - head - 1) :]
    return code, message


class ControlPlane:
    """MWAA's operations (the `Operations` protocol of emulator.service.api.backend)."""

    def __init__(
        self,
        store: Store,
        jobs: Jobs,
        provisioner: Provisioner | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.jobs = jobs
        self.provisioner = provisioner or NullProvisioner()
        self._clock = clock
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    # -- lookups ---------------------------------------------------------------------------

    @contextmanager
    def _locked(self, name: str) -> Iterator[None]:
        with self._locks_lock:
            lock = self._locks.setdefault(name.lower(), threading.Lock())
        with lock:
            yield

    def _entry(self, name: str) -> Entry:
        entry = self.store.load(name)
        if entry is None:
            raise not_found(name)
        return entry

    def _by_arn(self, arn: str) -> Entry:
        for name in self.store.names():
            if environment_arn(name) == arn:
                return self._entry(name)
        # AWS documents no wording for an unknown ARN; this one is mwaa-local's.
        raise EnvironmentNotFoundError(f"No environment has the ARN {arn}.", hint="GetEnvironment shows an Arn.")

    def _environment_id(self, name: str) -> str:
        return uuid.uuid5(uuid.NAMESPACE_URL, environment_arn(name)).hex[:17]

    def _progress(self, name: str) -> Report:
        def report(doing: str) -> None:
            entry = self.store.load(name)
            if entry is not None:
                self.store.save(replace(entry, progress=doing))

        return report

    # -- environments ----------------------------------------------------------------------

    def create_environment(self, request: Input) -> Output:
        check("CreateEnvironment", request)
        record = build_record(request)
        if record.name == ENGINE_NAME:
            raise EnvironmentConfigError(
                f"The name {ENGINE_NAME} is reserved: it is the region's MWAA Serverless engine.",
                hint="Choose another name.",
            )
        with self._locked(record.name):
            clash = [name for name in self.store.names() if name.lower() == record.name.lower()]
            if record.name in clash:
                # The model declares no "already exists" error and AWS documents no response
                # for a duplicate name (docs/reference.md §5): a ValidationException with our wording.
                raise EnvironmentConfigError(
                    f"Environment {record.name} already exists.",
                    hint="Choose another name, or change it with UpdateEnvironment.",
                )
            if clash:
                raise EnvironmentConfigError(
                    f"Environment {record.name} would share its Docker project with environment {clash[0]}.",
                    hint="Names that differ only in letter case cannot both run locally; choose another name.",
                )
            self.provisioner.check_new(record)
            record = self.provisioner.resolve_files(record)
            self.store.save(Entry(record, status.creating(record.name, self._clock()), progress="queued"))
        self.jobs.submit(record.name, lambda: self._create(record.name))
        return {"Arn": environment_arn(record.name)}

    def _create(self, name: str) -> None:
        entry = self._entry(name)
        try:
            self.provisioner.apply(entry.record, self._progress(name))
        except Exception as error:
            code, message = failure_of(error)
            self.store.save(Entry(entry.record, status.create_failed(entry.lifecycle, code, message)))
        else:
            self.store.save(Entry(entry.record, status.create_succeeded(entry.lifecycle)))

    def get_environment(self, request: Input) -> Output:
        check("GetEnvironment", request)
        name = str(request["Name"])
        entry = self._entry(name)
        return get_environment_output(
            entry.record, entry.lifecycle, self.provisioner.webserver_url(name), self._environment_id(name)
        )

    def list_environments(self, request: Input) -> Output:
        check("ListEnvironments", request)
        size = int(request.get("MaxResults") or DEFAULT_PAGE_SIZE)
        token = request.get("NextToken")
        after = decode_token(str(token)) if token else None
        names = self.store.names()
        if after is not None:
            names = [name for name in names if name > after]
        output: Output = {"Environments": names[:size]}
        if len(names) > size:
            output["NextToken"] = encode_token(names[size - 1])
        return output

    def update_environment(self, request: Input) -> Output:
        check("UpdateEnvironment", request)
        name = str(request["Name"])
        with self._locked(name):
            entry = self._entry(name)
            lifecycle = status.updating(
                entry.lifecycle, self._clock(), worker_replacement_strategy=worker_replacement_strategy(request)
            )
            updated = apply_update(entry.record, request)
            if updated.bucket != entry.record.bucket:
                self.provisioner.check_new(updated)
            updated = self.provisioner.resolve_files(updated)
            self.store.save(Entry(updated, lifecycle, previous=entry.record, progress="queued"))
        self.jobs.submit(name, lambda: self._update(name))
        return {"Arn": environment_arn(name)}

    def _update(self, name: str) -> None:
        entry = self._entry(name)
        try:
            self.provisioner.apply(entry.record, self._progress(name))
        except Exception as error:
            code, message = failure_of(error)
            self._roll_back(entry, status.rolling_back(entry.lifecycle, code, message))
        else:
            self.store.save(Entry(entry.record, status.update_succeeded(entry.lifecycle)))

    def _roll_back(self, entry: Entry, lifecycle: status.Lifecycle) -> None:
        """MWAA restores the previous configuration; the record shows it again."""
        previous = entry.previous or entry.record
        rolling = Entry(previous, lifecycle, progress="rolling back")
        self.store.save(rolling)
        try:
            self.provisioner.apply(previous, self._progress(entry.name))
        except Exception as error:
            self.store.save(Entry(previous, status.rollback_failed(lifecycle, failure_of(error)[1])))
        else:
            self.store.save(Entry(previous, status.rollback_finished(lifecycle)))

    def delete_environment(self, request: Input) -> Output:
        check("DeleteEnvironment", request)
        name = str(request["Name"])
        with self._locked(name):
            entry = self._entry(name)
            self.store.save(replace(entry, lifecycle=status.deleting(entry.lifecycle), progress="queued"))
        self.jobs.submit(name, lambda: self._delete(name))
        return {}

    def _delete(self, name: str) -> None:
        entry = self._entry(name)
        try:
            self.provisioner.remove(name, self._progress(name))
        except Exception as error:  # the record stays DELETING, with why; a restart tries again
            self.store.save(replace(entry, progress="delete failed: " + failure_of(error)[1]))
            raise
        status.deleted(entry.lifecycle)
        self.store.remove(name)

    def recover(self) -> None:
        """After a (re)start: what a restart cut short settles. An interrupted create fails; an
        interrupted update rolls back to the previous configuration; a delete finishes."""
        for name in self.store.names():
            with self._locked(name):
                entry = self._entry(name)
                if entry.lifecycle.status in (status.UPDATING, status.ROLLING_BACK) and entry.previous is not None:
                    message = status.interrupted_message(entry.lifecycle, "update")
                    lifecycle = entry.lifecycle
                    if lifecycle.status == status.UPDATING:
                        lifecycle = status.rolling_back(lifecycle, status.INTERRUPTED, message)
                    self.store.save(Entry(entry.previous, lifecycle, entry.previous, "rolling back"))
                    self.jobs.submit(name, lambda entry=entry, lifecycle=lifecycle: self._roll_back(entry, lifecycle))  # type: ignore[misc]
                    continue
                settled = status.settle_interrupted(entry.lifecycle)
                if settled != entry.lifecycle:
                    self.store.save(Entry(entry.record, settled))
            if settled.status == status.DELETING:
                self.jobs.submit(name, lambda name=name: self._delete(name))  # type: ignore[misc]

    # -- tags --------------------------------------------------------------------------------

    def _set_tags(self, entry: Entry, tags: dict[str, str]) -> None:
        fields = {key: value for key, value in entry.record.fields.items() if key != "Tags"}
        if tags:
            fields["Tags"] = tags
        self.store.save(replace(entry, record=build_record(fields)))

    def tag_resource(self, request: Input) -> Output:
        check("TagResource", request)
        entry = self._by_arn(str(request["ResourceArn"]))
        with self._locked(entry.name):
            entry = self._entry(entry.name)
            tags = {**(entry.record.fields.get("Tags") or {}), **request["Tags"]}
            # The model's TagMap limits hold for the environment's tags after the change too.
            tag_map = shapes.operation("TagResource").input_shape.members["Tags"]
            errors = shapes.validate_value(tags, tag_map, "tags")
            if errors:
                raise EnvironmentConfigError(shapes.validation_message(errors), hint="Remove tags first.")
            self._set_tags(entry, tags)
        return {}

    def untag_resource(self, request: Input) -> Output:
        check("UntagResource", request)
        entry = self._by_arn(str(request["ResourceArn"]))
        with self._locked(entry.name):
            entry = self._entry(entry.name)
            removed = set(request["tagKeys"])
            tags = {key: value for key, value in (entry.record.fields.get("Tags") or {}).items() if key not in removed}
            self._set_tags(entry, tags)
        return {}

    def list_tags_for_resource(self, request: Input) -> Output:
        check("ListTagsForResource", request)
        entry = self._by_arn(str(request["ResourceArn"]))
        return {"Tags": dict(entry.record.fields.get("Tags") or {})}

    # -- the data plane (host `env.`) ---------------------------------------------------------

    def _token(self, kind: str, name: str, caller: Caller) -> str:
        return tokens.issue(
            self.provisioner.token_key(name), kind, name, caller.identity, caller.role or "", self._clock()
        )

    def create_cli_token(self, request: Input, caller: Caller) -> Output:
        """A token `POST https://{WebServerHostname}/aws_mwaa/cli` takes for 60 s (docs/reference.md §8.1)."""
        check("CreateCliToken", request)
        name = self._entry(str(request["Name"])).name
        return {"CliToken": self._token("cli", name, caller), "WebServerHostname": self.provisioner.webserver_url(name)}

    def create_web_login_token(self, request: Input, caller: Caller) -> Output:
        """A token that logs a browser in once, within 60 s, as the caller's Airflow user with
        the role its policy allows (docs/reference.md §9); the user is named after the IamIdentity."""
        check("CreateWebLoginToken", request)
        name = self._entry(str(request["Name"])).name
        return {
            "WebToken": self._token("web", name, caller),
            "WebServerHostname": self.provisioner.webserver_url(name),
            "IamIdentity": caller.identity,
            "AirflowIdentity": caller.identity,
        }

    def invoke_rest_api(self, request: Input, caller: Caller) -> Output:
        """Airflow's REST API as the caller's Airflow role (docs/reference.md §10)."""
        check("InvokeRestApi", request)
        check_rest_path(str(request["Path"]))
        name = self._entry(str(request["Name"])).name
        return self.provisioner.call_rest_api(name, self._token("rest", name, caller), request)

    def publish_metrics(self, request: Input) -> Output:
        # Deprecated and internal to MWAA; the model's own message says it is no longer
        # available. AWS documents no error code for calling it: ServiceUnavailable is ours.
        raise ServiceUnavailableError(deprecated_message("PublishMetrics"), hint="MWAA publishes metrics itself.")


def deprecated_message(operation: str) -> str:
    """The model's deprecation message of an operation (botocore exposes no public accessor)."""
    description: dict[str, Any] = getattr(shapes.operation(operation), "_operation_model", {})
    return str(description.get("deprecatedMessage") or f"{operation} is no longer available.")
