"""An AWS JSON 1.0 API from a botocore service model (MWAA Serverless's, docs/reference.md §24):
`POST /` with `X-Amz-Target: <targetPrefix>.<Operation>`, the members as a JSON object. Each
request's signature and the caller's permission (`<signing name>:<Operation>` on the ARN it names)
are checked, its members validated against the input shape, the operation carried out in a worker
thread and its output serialised as the model says (timestamps as epoch seconds). Errors carry
their code in `__type` and `x-amzn-ErrorType`, and the error shape's members.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from botocore import xform_name
from botocore.model import ServiceModel, StructureShape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from emulator.model import shapes
from emulator.model.errors import MwaaLocalError
from emulator.model.request_size import API_REQUEST_BYTES, RequestTooLarge, read_body
from emulator.service.api.serialize import serialize_value
from emulator.service.iam.access import AccessControl
from emulator.service.iam.signature import signed_request

CONTENT_TYPE = "application/x-amz-json-1.0"
RESOURCE_MEMBERS = ("WorkflowArn", "ResourceArn")
INTERNAL_MESSAGE = "An internal error occurred in the mwaa-local control plane; its log has the details."
log = logging.getLogger(__name__)


def json_error(code: str, status: int, message: str, extra: dict[str, Any] | None = None) -> Response:
    body = {"__type": code, "Message": message, **(extra or {})}
    headers = {"x-amzn-RequestId": str(uuid.uuid4()), "x-amzn-ErrorType": code}
    return Response(json.dumps(body), status_code=status, media_type=CONTENT_TYPE, headers=headers)


def validation_error(message: str, reason: str = "fieldValidationFailed") -> Response:
    return json_error("ValidationException", 400, message, {"Reason": reason})


def target_prefix(model: ServiceModel) -> str:
    return str(model.metadata["targetPrefix"])


def resource_of(members: dict[str, Any]) -> str:
    """The ARN an operation acts on (a workflow's), or `*` for those that name none."""
    return next((str(members[name]) for name in RESOURCE_MEMBERS if isinstance(members.get(name), str)), "*")


def make_json_app(model: ServiceModel, operations: object, access: AccessControl) -> ASGIApp:
    """The service of `model` over `operations` (one method per operation, as boto3 names it)."""
    prefix = f"{target_prefix(model)}."
    signing_name = str(model.signing_name)
    handlers = {name: getattr(operations, xform_name(name)) for name in model.operation_names}

    async def handle(request: Request) -> Response:
        target = request.headers.get("x-amz-target", "")
        name = target.removeprefix(prefix) if target.startswith(prefix) else ""
        if request.method != "POST" or name not in handlers:
            return json_error("UnknownOperationException", 400, f"No {model.service_id} operation is {target!r}.")
        try:
            body = await read_body(request, API_REQUEST_BYTES)
            principal = access.caller(signed_request(request, body), signing_name)
            try:
                members = json.loads(body) if body.strip() else {}
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                return json_error("SerializationException", 400, f"The request body is not valid JSON: {error}.")
            if not isinstance(members, dict):
                return json_error("SerializationException", 400, "The request body must be a JSON object.")
            access.authorize(principal, name, resource_of(members), signing_name)
            operation = model.operation_model(name)
            input_shape = operation.input_shape
            assert isinstance(input_shape, StructureShape)
            errors = shapes.validate_members(shapes.without_documents(members, input_shape), input_shape)
            if errors:
                return validation_error(shapes.validation_message(errors))
            output = await run_in_threadpool(handlers[name], members)
            shape = operation.output_shape
            body_out = serialize_value(output, shape) if shape is not None else {}
            headers = {"x-amzn-RequestId": str(uuid.uuid4())}
            return Response(json.dumps(body_out), status_code=200, media_type=CONTENT_TYPE, headers=headers)
        except MwaaLocalError as error:
            return json_error(error.aws_code, error.http_status, error.message, getattr(error, "extra", None))
        except RequestTooLarge as error:
            return json_error("RequestEntityTooLargeException", 413, str(error))
        except Exception:
            log.exception("%s failed", name)
            return json_error("InternalServerException", 500, INTERNAL_MESSAGE)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = await handle(Request(scope, receive))
        await response(scope, receive, send)

    return app
