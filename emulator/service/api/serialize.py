"""rest-json responses: an operation's output dict, or an error, as MWAA answers them.

Only the output shape's members are sent (anything else a backend returns stays private);
timestamps are epoch seconds (`1610632127.0`), documents pass as is. Errors carry their code in
`x-amzn-ErrorType` (where botocore reads it first) and the message in the body member the
model's error shape names: `message`, or `Message` for AccessDeniedException (docs/reference.md §5).
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape
from starlette.responses import Response

from emulator.model import shapes

CONTENT_TYPE = "application/json"


def _timestamp(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


def serialize_value(value: Any, shape: Shape) -> Any:
    """`value` as the rest-json body holds a member of `shape`."""
    if getattr(shape, "is_document_type", False):
        return value
    if isinstance(shape, StructureShape):
        return {
            name: serialize_value(value[name], member)
            for name, member in shape.members.items()
            if value.get(name) is not None and member.serialization.get("location") is None
        }
    if isinstance(shape, ListShape):
        return [serialize_value(item, shape.member) for item in value]
    if isinstance(shape, MapShape):
        return {key: serialize_value(item, shape.value) for key, item in value.items()}
    if shape.type_name == "timestamp":
        return _timestamp(value)
    if shape.type_name == "blob":
        return base64.b64encode(value if isinstance(value, bytes) else str(value).encode()).decode()
    return value


def _headers(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"x-amzn-RequestId": str(uuid.uuid4()), **(extra or {})}


def output_response(operation: OperationModel, output: dict[str, Any]) -> Response:
    """HTTP 200 (the model's responseCode) with the output shape's members."""
    shape = operation.output_shape
    headers = _headers()
    body: Any = {}
    if shape is not None:
        assert isinstance(shape, StructureShape)
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            if location == "header" and output.get(name) is not None:
                headers[member.serialization.get("name", name)] = str(output[name])
        body = serialize_value(output, shape)
    status = int(operation.http.get("responseCode", 200))
    return Response(json.dumps(body), status_code=status, media_type=CONTENT_TYPE, headers=headers)


def message_member(code: str) -> str:
    """The body member an error's message goes in, from the model's error shape."""
    model = shapes.service_model()
    if code in model.shape_names:
        error = model.shape_for(code)
        if isinstance(error, StructureShape):
            for name in error.members:
                if name.lower() == "message":
                    return str(name)
    return "message"


def error_response(code: str, status: int, message: str, extra: dict[str, Any] | None = None) -> Response:
    """An MWAA error: status, `x-amzn-ErrorType: <code>`, body `{"message": ...}` (plus any
    modeled members in `extra`, e.g. RestApiStatusCode)."""
    body = {message_member(code): message, **(extra or {})}
    headers = _headers({"x-amzn-ErrorType": code})
    return Response(json.dumps(body), status_code=status, media_type=CONTENT_TYPE, headers=headers)
