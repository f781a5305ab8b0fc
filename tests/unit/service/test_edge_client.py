"""How the control plane turns the edge's answer into InvokeRestApi's output or error (docs/reference.md §10)."""

from __future__ import annotations

import pytest

from emulator.model.errors import RestApiClientError, RestApiServerError
from emulator.service.provider.edge_client import rest_api_output

pytestmark = pytest.mark.unit


def test_a_2xx_is_the_output_with_airflows_status_and_body() -> None:
    assert rest_api_output(200, {"status": 201, "response": {"key": "k"}}) == {
        "RestApiStatusCode": 201,
        "RestApiResponse": {"key": "k"},
    }


@pytest.mark.parametrize(
    ("status", "kind", "code"),
    [(404, RestApiClientError, "RestApiClientException"), (503, RestApiServerError, "RestApiServerException")],
)
def test_4xx_and_5xx_are_mwaas_exceptions_carrying_airflows_answer(status: int, kind: type, code: str) -> None:
    with pytest.raises(kind) as caught:
        rest_api_output(200, {"status": status, "response": {"detail": "x"}})
    assert (caught.value.aws_code, caught.value.http_status) == (code, 400)
    assert caught.value.extra == {"RestApiStatusCode": status, "RestApiResponse": {"detail": "x"}}


def test_a_call_airflow_never_answered_is_a_server_exception_saying_why() -> None:
    with pytest.raises(RestApiServerError) as caught:
        rest_api_output(504, {"error": "The REST API call ran longer than 10 s."})
    assert caught.value.extra == {
        "RestApiStatusCode": 504,
        "RestApiResponse": {"detail": "The REST API call ran longer than 10 s."},
    }
