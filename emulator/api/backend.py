"""What carries out the MWAA operations, behind the HTTP layer.

`Operations` takes each operation's parsed input dict (members as botocore names them) and
returns its output dict; it raises the MwaaLocalError tree for anything a caller did wrong.
`InMemoryOperations` keeps records in memory: the executable spec of the record semantics
that the real control plane (durable records, Docker lifecycle jobs) must match.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from emulator.api.errors import NotImplementedYetError, ServiceUnavailableError
from emulator.environments import shapes, status
from emulator.environments.record import EnvironmentRecord, build_record
from emulator.environments.status import Lifecycle
from emulator.environments.update import apply_update, worker_replacement_strategy
from emulator.environments.view import environment_arn, get_environment_output
from emulator.errors import EnvironmentConfigError, EnvironmentNotFoundError

Input = dict[str, Any]
Output = dict[str, Any]


class Operations(Protocol):
    """One method per MWAA operation, named as boto3 names it (botocore's `xform_name`)."""

    def create_environment(self, request: Input) -> Output: ...
    def get_environment(self, request: Input) -> Output: ...
    def list_environments(self, request: Input) -> Output: ...
    def update_environment(self, request: Input) -> Output: ...
    def delete_environment(self, request: Input) -> Output: ...
    def tag_resource(self, request: Input) -> Output: ...
    def untag_resource(self, request: Input) -> Output: ...
    def list_tags_for_resource(self, request: Input) -> Output: ...
    def create_cli_token(self, request: Input) -> Output: ...
    def create_web_login_token(self, request: Input) -> Output: ...
    def invoke_rest_api(self, request: Input) -> Output: ...
    def publish_metrics(self, request: Input) -> Output: ...


# ListEnvironments' page size when MaxResults is not given: the model's maximum (AWS documents
# no default).
DEFAULT_PAGE_SIZE = int(shapes.operation("ListEnvironments").input_shape.members["MaxResults"].metadata["max"])
TOKEN_VERSION = 1


def check(operation: str, request: Input) -> None:
    """ValidationException (AWS's wording) when `request` breaks the operation's input shape."""
    errors = shapes.validate_input(operation, request)
    if errors:
        raise EnvironmentConfigError(shapes.validation_message(errors), hint=f"Fix the {operation} request.")


def not_found(name: str) -> EnvironmentNotFoundError:
    # AWS documents no wording for an unknown environment; this one is mwaa-local's.
    return EnvironmentNotFoundError(
        f"Environment {name} not found.", hint="List the environments with `aws mwaa list-environments`."
    )


def encode_token(after: str) -> str:
    """An opaque NextToken: the last name of the page, so later pages survive creates/deletes."""
    data = json.dumps({"v": TOKEN_VERSION, "after": after}).encode()
    return base64.urlsafe_b64encode(data).decode()


def decode_token(token: str) -> str:
    """The name a NextToken continues after; ValidationException when it is not one of ours."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if isinstance(data, dict) and data.get("v") == TOKEN_VERSION and isinstance(data.get("after"), str):
            return str(data["after"])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    # AWS documents no wording for a bad pagination token; this one is mwaa-local's.
    raise EnvironmentConfigError(
        f"Invalid NextToken '{token}': pass the NextToken of a previous ListEnvironments response.",
        hint="Start again without NextToken.",
    )


@dataclass(frozen=True)
class Entry:
    record: EnvironmentRecord
    lifecycle: Lifecycle


class InMemoryOperations:
    """MWAA's record semantics in memory. Work that takes time in MWAA (create, update, delete)
    starts here and finishes when `settle()` is called, so tests see every status."""

    def __init__(
        self, clock: Callable[[], float] = time.time, webserver_url: Callable[[str], str] | None = None
    ) -> None:
        self._clock = clock
        self._webserver_url = webserver_url or (lambda name: "localhost:8080")
        self._entries: dict[str, Entry] = {}
        self._lock = threading.Lock()

    # -- lookups ---------------------------------------------------------------------------

    def _entry(self, name: str) -> Entry:
        entry = self._entries.get(name)
        if entry is None:
            raise not_found(name)
        return entry

    def _by_arn(self, arn: str) -> Entry:
        for name, entry in self._entries.items():
            if environment_arn(name) == arn:
                return entry
        # AWS documents no wording for an unknown ARN; this one is mwaa-local's.
        raise EnvironmentNotFoundError(
            f"No environment has the ARN {arn}.",
            hint="GetEnvironment shows an environment's Arn.",
        )

    def _environment_id(self, name: str) -> str:
        return uuid.uuid5(uuid.NAMESPACE_URL, environment_arn(name)).hex[:17]

    # -- environments ----------------------------------------------------------------------

    def create_environment(self, request: Input) -> Output:
        check("CreateEnvironment", request)
        record = build_record(request)
        with self._lock:
            if record.name in self._entries:
                # The model declares no "already exists" error and AWS documents no response
                # for a duplicate name (reference §5): a ValidationException with our wording.
                raise EnvironmentConfigError(
                    f"Environment {record.name} already exists.",
                    hint="Choose another name, or change it with UpdateEnvironment.",
                )
            self._entries[record.name] = Entry(record, status.creating(record.name, self._clock()))
        return {"Arn": environment_arn(record.name)}

    def get_environment(self, request: Input) -> Output:
        check("GetEnvironment", request)
        name = str(request["Name"])
        with self._lock:
            entry = self._entry(name)
        return get_environment_output(
            entry.record, entry.lifecycle, self._webserver_url(name), self._environment_id(name)
        )

    def list_environments(self, request: Input) -> Output:
        check("ListEnvironments", request)
        size = int(request.get("MaxResults") or DEFAULT_PAGE_SIZE)
        token = request.get("NextToken")
        after = decode_token(str(token)) if token else None
        with self._lock:
            names = sorted(self._entries)
        if after is not None:
            names = [name for name in names if name > after]
        output: Output = {"Environments": names[:size]}
        if len(names) > size:
            output["NextToken"] = encode_token(names[size - 1])
        return output

    def update_environment(self, request: Input) -> Output:
        check("UpdateEnvironment", request)
        name = str(request["Name"])
        with self._lock:
            entry = self._entry(name)
            updated = apply_update(entry.record, request)
            lifecycle = status.updating(
                entry.lifecycle, self._clock(), worker_replacement_strategy=worker_replacement_strategy(request)
            )
            self._entries[name] = Entry(updated, lifecycle)
        return {"Arn": environment_arn(name)}

    def delete_environment(self, request: Input) -> Output:
        check("DeleteEnvironment", request)
        name = str(request["Name"])
        with self._lock:
            entry = self._entry(name)
            self._entries[name] = replace(entry, lifecycle=status.deleting(entry.lifecycle))
        return {}

    def settle(self) -> None:
        """Finish every running operation: CREATING and UPDATING become AVAILABLE, DELETING
        environments are gone (DELETED, then no longer found)."""
        with self._lock:
            for name, entry in list(self._entries.items()):
                lifecycle = entry.lifecycle
                if lifecycle.status == status.CREATING:
                    self._entries[name] = replace(entry, lifecycle=status.create_succeeded(lifecycle))
                elif lifecycle.status == status.UPDATING:
                    self._entries[name] = replace(entry, lifecycle=status.update_succeeded(lifecycle))
                elif lifecycle.status == status.DELETING:
                    status.deleted(lifecycle)
                    del self._entries[name]

    # -- tags --------------------------------------------------------------------------------

    def _set_tags(self, entry: Entry, tags: dict[str, str]) -> None:
        fields = {key: value for key, value in entry.record.fields.items() if key != "Tags"}
        if tags:
            fields["Tags"] = tags
        self._entries[entry.record.name] = replace(entry, record=build_record(fields))

    def tag_resource(self, request: Input) -> Output:
        check("TagResource", request)
        with self._lock:
            entry = self._by_arn(str(request["ResourceArn"]))
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
        with self._lock:
            entry = self._by_arn(str(request["ResourceArn"]))
            removed = set(request["tagKeys"])
            tags = {key: value for key, value in (entry.record.fields.get("Tags") or {}).items() if key not in removed}
            self._set_tags(entry, tags)
        return {}

    def list_tags_for_resource(self, request: Input) -> Output:
        check("ListTagsForResource", request)
        with self._lock:
            entry = self._by_arn(str(request["ResourceArn"]))
        return {"Tags": dict(entry.record.fields.get("Tags") or {})}

    # -- the data plane (host `env.`): not served yet -----------------------------------------

    def _data_plane(self, operation: str, request: Input) -> Output:
        check(operation, request)
        with self._lock:
            self._entry(str(request["Name"]))
        raise NotImplementedYetError(
            f"{operation} is not implemented yet in mwaa-local: it needs the environment's data plane "
            "(the CLI-token and web-login endpoints and the REST API proxy on the webserver).",
            hint="Use the Airflow UI or `mwaa-local` commands for now.",
        )

    def create_cli_token(self, request: Input) -> Output:
        return self._data_plane("CreateCliToken", request)

    def create_web_login_token(self, request: Input) -> Output:
        return self._data_plane("CreateWebLoginToken", request)

    def invoke_rest_api(self, request: Input) -> Output:
        return self._data_plane("InvokeRestApi", request)

    def publish_metrics(self, request: Input) -> Output:
        # Deprecated and internal to MWAA; the model's own message says it is no longer
        # available. AWS documents no error code for calling it: ServiceUnavailable is ours.
        raise ServiceUnavailableError(deprecated_message("PublishMetrics"), hint="MWAA publishes metrics itself.")


def deprecated_message(operation: str) -> str:
    """The model's deprecation message of an operation (botocore exposes no public accessor)."""
    description: dict[str, Any] = getattr(shapes.operation(operation), "_operation_model", {})
    return str(description.get("deprecatedMessage") or f"{operation} is no longer available.")
