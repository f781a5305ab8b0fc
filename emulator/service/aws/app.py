"""The region's AWS services as an ASGI app: each request's signature checked, the caller's
policy asked for the IAM action on each resource the request names, then moto answers it.
Refusals are written in the request's own protocol (JSON, query XML or CBOR), as AWS writes
them, so boto3 and the aws CLI raise the same errors they raise on AWS.
"""

from __future__ import annotations

import logging
import warnings
from functools import cache
from typing import Any

from botocore.awsrequest import HTTPHeaders
from botocore.model import OperationModel
from botocore.session import get_session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from emulator.model.aws_services import BY_CLIENT, AwsService, served
from emulator.model.errors import AccessDeniedError
from emulator.model.request_size import RequestTooLarge, read_body
from emulator.service.aws.backends import MotoBackends, is_read
from emulator.service.aws.requests import JSON, Requested, UnreadableRequest, requested
from emulator.service.iam.access import AccessControl
from emulator.service.iam.principals import Principal
from emulator.service.iam.signature import MISMATCH, UNKNOWN_KEY, signed_request

REQUEST_BYTES = 2 * 1024 * 1024  # above every served operation's own limit (PutLogEvents: 1 MiB)
# Query-era services (CloudWatch) name their refusals as IAM does; JSON services add `Exception`.
DENIED_CODE = {"cloudwatch": "AccessDenied"}
UNKNOWN_KEY_CODE = {"cloudwatch": "InvalidClientTokenId"}
BAD_SIGNATURE_CODE = {"cloudwatch": "SignatureDoesNotMatch"}
INCOMPLETE_CODE = {"cloudwatch": "IncompleteSignature"}


def signature_error_code(service: AwsService, message: str) -> str:
    """AWS's code for a refused signature: an unknown key, a wrong or expired one, or a malformed one."""
    if message == UNKNOWN_KEY or message.startswith(UNKNOWN_KEY):
        return UNKNOWN_KEY_CODE.get(service.client, "UnrecognizedClientException")
    if message == MISMATCH or message.startswith("Signature expired"):
        return BAD_SIGNATURE_CODE.get(service.client, "InvalidSignatureException")
    return INCOMPLETE_CODE.get(service.client, "IncompleteSignatureException")


log = logging.getLogger(__name__)


@cache
def operation_model(client: str, operation: str) -> OperationModel | None:
    model = get_session().get_service_model(client)
    return model.operation_model(operation) if operation in model.operation_names else None


def refusal(service: AwsService, protocol: str, operation: str, code: str, message: str, status: int = 400) -> Response:
    """An error in the request's protocol, serialised by moto's own serializers."""
    from moto.core.exceptions import ServiceException
    from moto.core.serialize import get_serializer_class

    model = operation_model(service.client, operation)
    if model is None:  # no operation to serialise for: JSON, which every served service speaks
        model, protocol = operation_model(service.client, first_operation(service.client)), JSON
    assert model is not None
    error = ServiceException(code, message)
    with (
        warnings.catch_warnings()
    ):  # moto warns that the service's model lists no such error: AWS's front door sends it
        warnings.simplefilter("ignore", UserWarning)
        answer: dict[str, Any] = dict(get_serializer_class(service.client, protocol)(model).serialize(error))
    body = answer["body"]
    return Response(
        body.encode() if isinstance(body, str) else body,
        status_code=status if status != 400 else int(answer["status_code"]),
        headers={str(k): str(v) for k, v in answer["headers"].items()},
    )


@cache
def first_operation(client: str) -> str:
    return str(get_session().get_service_model(client).operation_names[0])


def denied_message(principal: Principal, wanted: Requested, resource: str) -> str:
    where = "" if resource == "*" else f" on resource: {resource}"
    return (
        f"User: {principal.arn} is not authorized to perform: {wanted.action}{where} "
        f"because no identity-based policy allows the {wanted.action} action"
    )


class AwsServicesApp:
    def __init__(self, backends: MotoBackends, access: AccessControl) -> None:
        self.backends = backends
        self.access = access

    def secret_arn(self, name: str) -> str | None:
        secret = self.backends.backend(BY_CLIENT["secretsmanager"]).secrets.get(name)
        return None if secret is None else str(secret.arn)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self.respond(request)
        await response(scope, receive, send)

    async def respond(self, request: Request) -> Response:
        headers = {name.lower(): value for name, value in request.headers.items()}
        service = served(headers)
        assert service is not None, "the region routes only its AWS services' requests here"
        protocol, operation = JSON, ""
        try:
            body = await read_body(request, REQUEST_BYTES)
            wanted = await run_in_threadpool(
                requested, service, headers, request.url.path, request.url.query, body, self.secret_arn
            )
            protocol, operation = wanted.protocol, wanted.operation
            principal = self.access.caller(signed_request(request, body), service.signing_name)
            for resource in wanted.resources:
                if not principal.policy.allows(wanted.action, resource):
                    code = DENIED_CODE.get(service.client, "AccessDeniedException")
                    return refusal(service, protocol, operation, code, denied_message(principal, wanted, resource))
            answer = await run_in_threadpool(self.dispatch, service, request, body, wanted)
            return Response(answer.body, status_code=answer.status, headers=without_length(answer.headers))
        except AccessDeniedError as error:
            return refusal(service, protocol, operation, signature_error_code(service, error.message), error.message)
        except UnreadableRequest as error:
            return refusal(service, protocol, operation, "SerializationException", str(error))
        except RequestTooLarge as error:
            return refusal(service, protocol, operation, "RequestEntityTooLargeException", str(error), 413)

    def dispatch(self, service: AwsService, request: Request, body: bytes, wanted: Requested) -> Any:
        forwarded = HTTPHeaders()
        for name, value in request.headers.items():
            if not name.lower().startswith("x-moto-"):  # the account is the region's, never the caller's
                forwarded[name] = value
        answer = self.backends.handle(service, request.method, request.url.path, request.url.query, forwarded, body)
        if not is_read(wanted.operation) and answer.status < 400:
            self.backends.changed()
        return answer


def without_length(headers: dict[str, str]) -> dict[str, str]:
    # Starlette sets the length of the body it sends; moto's own may count a str's characters.
    return {name: value for name, value in headers.items() if name.lower() not in {"content-length", "server"}}
