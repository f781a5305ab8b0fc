"""A rest-json request → the operation's input dict, by the input shape's member locations.

`uri` members come from the path labels, `querystring` members from the query (typed by their
shape: MaxResults an integer, tagKeys a list), `header` members from headers, the rest from the
JSON body (or the member the shape names as its payload). Values that do not convert (e.g.
`MaxResults=abc`) are kept as text, so validation reports them in AWS's words.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.model import OperationModel, Shape, StructureShape
from starlette.requests import Request

from emulator.model.errors import SerializationError


def _scalar(text: str, shape: Shape) -> Any:
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return float(text)
    except ValueError:
        return text
    if kind == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def _json_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SerializationError(
            f"The request body is not valid JSON: {error}.", hint="Send a JSON object of the operation's members."
        ) from error


def parse_input(request: Request, body: bytes, operation: OperationModel, labels: dict[str, str]) -> dict[str, Any]:
    """The operation's input members as botocore would have given them to the client (`body`:
    the request's, read once under its size limit)."""
    shape = operation.input_shape
    if shape is None:
        return {}
    assert isinstance(shape, StructureShape)
    members: dict[str, Any] = {}
    body_members: list[str] = []
    query = request.query_params
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri":
            if wire in labels:
                members[name] = labels[wire]
        elif location == "querystring":
            if member.type_name == "list":
                values = query.getlist(wire)
                if values:
                    members[name] = [_scalar(value, member.member) for value in values]
            elif member.type_name == "map":
                bound = {m.serialization.get("name", n) for n, m in shape.members.items()}
                extra = {key: value for key, value in query.multi_items() if key not in bound}
                if extra:
                    members[name] = extra
            elif wire in query:
                members[name] = _scalar(query[wire], member)
        elif location == "header":
            if wire in request.headers:
                members[name] = _scalar(request.headers[wire], member)
        elif location == "headers":
            prefix = wire.lower()
            found = {key[len(prefix) :]: value for key, value in request.headers.items() if key.startswith(prefix)}
            if found:
                members[name] = found
        elif location is None:
            body_members.append(name)

    payload = shape.serialization.get("payload")
    if payload is not None:
        payload_shape = shape.members[payload]
        raw = body
        if payload_shape.type_name == "structure":
            members[payload] = _json_body(raw)
        elif raw:
            members[payload] = raw if payload_shape.type_name == "blob" else raw.decode()
    elif body_members:
        document = _json_body(body)
        if document is not None and not isinstance(document, dict):
            raise SerializationError(
                f"The request body must be a JSON object; got {type(document).__name__}.",
                hint="Send a JSON object of the operation's members.",
            )
        for key, value in (document or {}).items():
            # Members bound elsewhere (e.g. Name in the path) are taken from there, as AWS does;
            # unknown keys are kept so that validation names them.
            if key in body_members or key not in shape.members:
                members[key] = value
    return members
