"""The rest-json wire format of the MWAA API, checked with raw HTTP requests (docs/reference.md §2, §5)."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from emulator.model.errors import AccessDeniedError
from emulator.service.api.backend import InMemoryOperations
from emulator.service.api.routes import UriTemplate
from emulator.service.api.server import INTERNAL_MESSAGE, ServerThread
from emulator.service.iam.access import Caller
from tests.unit.service.api_access import access_for_tests, signed

pytestmark = pytest.mark.unit

BODY = {
    "ExecutionRoleArn": "arn:aws:iam::000000000000:role/r",
    "SourceBucketArn": "arn:aws:s3:::bucket-one",
    "DagS3Path": "dags",
    "NetworkConfiguration": {"SubnetIds": ["subnet-a", "subnet-b"], "SecurityGroupIds": ["sg-a"]},
}


class Faulty(InMemoryOperations):
    def get_environment(self, request: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("secret internals")

    def create_web_login_token(self, request: dict[str, Any], caller: Caller) -> dict[str, Any]:
        raise AccessDeniedError("Access denied for Airflow role Admin.")

    def list_environments(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"Environments": ["a"], "NotInTheModel": "private", "echo": request}


@pytest.fixture
def url() -> Iterator[str]:
    operations = InMemoryOperations(clock=lambda: 1700000000.0)
    with ServerThread(operations, access_for_tests()) as server:
        yield server.url


def call(url: str, method: str, path: str, body: bytes | None = None) -> tuple[int, dict[str, str], Any]:
    request = signed(url + path, method, body)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, json.loads(error.read())


def test_routes_come_from_the_model_with_encoded_and_greedy_labels() -> None:
    assert UriTemplate.parse("/tags/{ResourceArn}").match("/tags/arn%3Aaws%3Aa%2Fb", "") == {
        "ResourceArn": "arn:aws:a/b"
    }
    assert UriTemplate.parse("/tags/{ResourceArn}").match("/tags/a/b", "") is None
    assert UriTemplate.parse("/files/{Path+}").match("/files/a/b%20c", "") == {"Path": "a/b c"}
    assert UriTemplate.parse("/x/{Id}?tagging").match("/x/1", "") is None
    assert UriTemplate.parse("/x/{Id}?tagging").match("/x/1", "tagging") == {"Id": "1"}


def test_create_and_get_on_the_wire(url: str) -> None:
    status, headers, body = call(url, "PUT", "/environments/env1", json.dumps(BODY).encode())
    assert (status, body) == (200, {"Arn": "arn:aws:airflow:us-east-1:000000000000:environment/env1"})
    assert headers["content-type"] == "application/json" and headers["x-amzn-requestid"]
    status, _, body = call(url, "GET", "/environments/env1")
    assert status == 200 and body["Environment"]["CreatedAt"] == 1700000000.0
    status, _, body = call(url, "GET", "/tags/arn%3Aaws%3Aairflow%3Aus-east-1%3A000000000000%3Aenvironment%2Fenv1")
    assert (status, body) == (200, {"Tags": {}})


def test_a_request_over_ten_mib_is_refused_before_it_is_read(url: str) -> None:
    """Refused from its declared length: the client has sent none of the body yet."""
    connection = http.client.HTTPConnection(urllib.parse.urlsplit(url).netloc, timeout=10)
    connection.putrequest("PUT", "/environments/env1")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(10 * 1024 * 1024 + 1))
    connection.endheaders()
    response = connection.getresponse()
    assert (response.status, response.getheader("x-amzn-errortype")) == (413, "RequestEntityTooLargeException")
    assert json.loads(response.read())["message"] == f"The request body is larger than {10 * 1024 * 1024} bytes."
    connection.close()


def test_invalid_json_is_a_serialization_exception(url: str) -> None:
    status, headers, body = call(url, "PUT", "/environments/env1", b"{not json")
    assert (status, headers["x-amzn-errortype"]) == (400, "SerializationException")
    assert body["message"].startswith("The request body is not valid JSON: ")
    status, headers, body = call(url, "PUT", "/environments/env1", b"[1]")
    assert (status, headers["x-amzn-errortype"], body) == (
        400,
        "SerializationException",
        {"message": "The request body must be a JSON object; got list."},
    )


def test_querystring_members_are_typed_by_their_shape(url: str) -> None:
    status, headers, body = call(url, "GET", "/environments?MaxResults=abc")
    assert (status, headers["x-amzn-errortype"], body) == (
        400,
        "ValidationException",
        {
            "message": "1 validation error detected: Value 'abc' at 'maxResults' failed to satisfy "
            "constraint: Member must be an integer"
        },
    )


def test_unknown_member_and_missing_required_members(url: str) -> None:
    status, headers, body = call(url, "PUT", "/environments/env1", json.dumps({**BODY, "Bogus": 1}).encode())
    assert (status, headers["x-amzn-errortype"]) == (400, "ValidationException")
    assert "Unknown member 'Bogus'" in body["message"]
    status, _, body = call(url, "PUT", "/environments/env1", b"")
    assert status == 400 and body["message"].startswith("4 validation errors detected: ")


def test_unknown_route_is_an_unknown_operation(url: str) -> None:
    status, headers, body = call(url, "GET", "/nothing/here")
    assert (status, headers["x-amzn-errortype"], body) == (
        404,
        "UnknownOperationException",
        {"message": "No MWAA operation is GET /nothing/here."},
    )
    status, headers, _ = call(url, "POST", "/environments")
    assert (status, headers["x-amzn-errortype"]) == (404, "UnknownOperationException")


def test_unexpected_errors_are_internal_server_exceptions_without_traceback() -> None:
    with ServerThread(Faulty(), access_for_tests()) as server:
        status, headers, body = call(server.url, "GET", "/environments/env1")
        assert (status, headers["x-amzn-errortype"], body) == (
            500,
            "InternalServerException",
            {"message": INTERNAL_MESSAGE},
        )
        status, headers, body = call(server.url, "POST", "/webtoken/env1")
        assert (status, headers["x-amzn-errortype"], body) == (
            403,
            "AccessDeniedException",
            {"Message": "Access denied for Airflow role Admin."},
        )
        status, _, body = call(server.url, "GET", "/environments")
        assert (status, body) == (200, {"Environments": ["a"]})


def test_publish_metrics_is_no_longer_available(url: str) -> None:
    status, headers, body = call(url, "POST", "/metrics/environments/env1", json.dumps({"MetricData": []}).encode())
    assert (status, headers["x-amzn-errortype"], body) == (
        503,
        "ServiceUnavailableException",
        {"message": "This API is for internal use and not meant for public use, and is no longer available."},
    )


def test_every_model_operation_is_routed() -> None:
    from emulator.model import shapes
    from emulator.service.api.server import make_app

    app = make_app(InMemoryOperations(), access_for_tests())
    routed = {getattr(route, "name", None) for route in app.routes}
    assert routed == set(shapes.service_model().operation_names)
