"""What a request to one of the region's AWS services asks for: its operation, its wire protocol,
and the IAM action and resources a policy must allow (the Service Authorization Reference's
resource types: log groups and streams, secrets, parameters; CloudWatch metrics have none).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from emulator.model.aws_services import AwsService, arn

JSON, QUERY, CBOR = "json", "query", "smithy-rpc-v2-cbor"
ANY_RESOURCE = "*"
# Log operations that act on one stream rather than on its group.
STREAM_OPERATIONS = frozenset({"PutLogEvents"})
SecretArnOf = Callable[[str], str | None]


@dataclass(frozen=True)
class Requested:
    service: AwsService
    operation: str
    protocol: str
    resources: tuple[str, ...]

    @property
    def action(self) -> str:
        return f"{self.service.client}:{self.operation}"


class UnreadableRequest(ValueError):
    """The request names no operation, or its body is not what its protocol says."""


def protocol_of(headers: Mapping[str, str]) -> str:
    if headers.get("content-type", "").startswith("application/cbor"):
        return CBOR
    return JSON if "x-amz-target" in headers else QUERY


def operation_of(protocol: str, headers: Mapping[str, str], path: str, form: Mapping[str, list[str]]) -> str:
    """JSON's `X-Amz-Target: Prefix.Operation`, CBOR's `…/operation/<Operation>` path, or
    the query protocol's `Action`."""
    if protocol == JSON:
        operation = headers["x-amz-target"].rpartition(".")[2]
    elif protocol == CBOR:
        head, _, operation = path.rstrip("/").rpartition("/")
        operation = operation if head.endswith("/operation") else ""
    else:
        operation = (form.get("Action") or [""])[0]
    if not operation:
        raise UnreadableRequest("The request names no operation (X-Amz-Target, Action or an /operation/ path).")
    return operation


def read_form(protocol: str, query: str, body: bytes) -> dict[str, list[str]]:
    if protocol != QUERY:
        return parse_qs(query)
    return parse_qs(query) | parse_qs(body.decode("utf-8", "replace"))


def read_members(protocol: str, body: bytes) -> dict[str, Any]:
    """A JSON request's members (the other protocols' resources need none of them)."""
    if protocol != JSON or not body.strip():
        return {}
    try:
        members = json.loads(body)
    except ValueError as error:
        raise UnreadableRequest(f"The request body is not JSON: {error}") from error
    if not isinstance(members, dict):
        raise UnreadableRequest("The request body is not a JSON object.")
    return members


def log_resources(operation: str, members: Mapping[str, Any]) -> tuple[str, ...]:
    group = members.get("logGroupName") or members.get("logGroupIdentifier")
    if not isinstance(group, str) or not group:
        return (ANY_RESOURCE,)
    if group.startswith("arn:"):
        group = group.split(":log-group:", 1)[-1].removesuffix(":*")
    stream = members.get("logStreamName")
    if operation in STREAM_OPERATIONS and isinstance(stream, str):
        return (arn("logs", f"log-group:{group}:log-stream:{stream}"),)
    return (arn("logs", f"log-group:{group}"),)


def secret_resources(members: Mapping[str, Any], secret_arn: SecretArnOf) -> tuple[str, ...]:
    """A secret by its ARN (a name is looked up: a real ARN ends in six random characters, and
    policies name either the full ARN or `secret:<prefix>*`)."""
    name = members.get("SecretId") or members.get("Name")
    if not isinstance(name, str) or not name:
        return (ANY_RESOURCE,)
    if name.startswith("arn:"):
        return (name,)
    return (secret_arn(name) or arn("secretsmanager", f"secret:{name}"),)


def parameter_resources(members: Mapping[str, Any]) -> tuple[str, ...]:
    names = members.get("Names") or [members.get("Name") or members.get("Path")]
    found = tuple(arn("ssm", f"parameter/{name.removeprefix('/')}") for name in names if isinstance(name, str) and name)
    return found or (ANY_RESOURCE,)


def requested(
    service: AwsService,
    headers: Mapping[str, str],
    path: str,
    query: str,
    body: bytes,
    secret_arn: SecretArnOf,
) -> Requested:
    """`headers` with lower-case names."""
    protocol = protocol_of(headers)
    operation = operation_of(protocol, headers, path, read_form(protocol, query, body))
    members = read_members(protocol, body)
    if service.client == "logs":
        resources = log_resources(operation, members)
    elif service.client == "secretsmanager":
        resources = secret_resources(members, secret_arn)
    elif service.client == "ssm":
        resources = parameter_resources(members)
    else:
        resources = (ANY_RESOURCE,)
    return Requested(service, operation, protocol, resources)
