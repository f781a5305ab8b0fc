"""Hostile inputs at every door, bounded in count and time: seeded random mutations of valid
input must end in each door's own refusal (or a valid answer), never in another exception, a
500, or a file outside the DAG folder."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from emulator.container.edge.allowed_commands import CommandRefused, parse
from emulator.container.edge.runner_client import RunnerClient
from emulator.container.edge.web_app import EdgeSettings, make_app
from emulator.model import policy, tokens
from emulator.model.errors import AccessDeniedError, EnvironmentConfigError
from emulator.model.sync_plan import relative_path
from emulator.service.iam import signature
from emulator.service.provider.plane import check_rest_path
from tests.unit.service.test_iam import ACCESS_KEY, secrets, signed_by_botocore

CASES = 300
ALPHABET = string.printable + "é\x00\u202e/.\\%"
KEY = b"k" * 32


def mutations(seed: int, valid: str) -> list[str]:
    """Cut, repeat, insert and replace characters of a valid input, and some random strings."""
    rng = random.Random(seed)
    found = []
    for _ in range(CASES):
        text = list(valid)
        for _ in range(rng.randint(1, 4)):
            at = rng.randint(0, len(text))
            choice = rng.random()
            if choice < 0.3 and text:
                del text[min(at, len(text) - 1)]
            elif choice < 0.6:
                text.insert(at, rng.choice(ALPHABET))
            elif choice < 0.8:
                text[at:at] = text[at : at + rng.randint(1, 8)]
            else:
                text = list("".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40))))
        found.append("".join(text))
    return found


def test_object_keys_never_name_a_path_outside_the_dag_folder() -> None:
    for key in mutations(1, "dags/team/a.py") + mutations(2, "dags/../x/./y//z.py"):
        path = relative_path(key, "dags")
        if path is not None:
            assert not path.startswith("/") and all(part not in ("", ".", "..") for part in path.split("/")), key
            assert (Path("/dags") / path).resolve().is_relative_to("/dags"), key


def test_cli_bodies_are_arguments_or_a_refusal() -> None:
    for body in mutations(3, "dags list -o json") + mutations(4, "dags trigger d -c '{\"a\": 1}'"):
        try:
            arguments = parse(body.encode(errors="surrogatepass"), "3.3.1")
        except CommandRefused:
            continue
        assert arguments and arguments[0] != "airflow", body


def test_tokens_are_claims_or_a_refusal() -> None:
    valid = tokens.issue(KEY, "cli", "env1", "user/admin", "Admin", 1_000.0)
    for token in mutations(5, valid):
        try:
            claims = tokens.verify(KEY, token, "cli", "env1", 1_001.0)
        except tokens.TokenRefused:
            continue
        assert token.strip() == valid and claims.environment == "env1", "only the genuine token passes"


def test_signed_requests_changed_in_any_header_are_refused() -> None:
    request, when = signed_by_botocore("PATCH", body=b'{"MaxWorkers": 3}')
    rng = random.Random(6)
    for _ in range(CASES):
        name = rng.choice(["authorization", "x-amz-date", "host", "x-amz-content-sha256"])
        headers = {key.lower(): value for key, value in request.headers.items()}
        original = headers.get(name, "")
        mutated = rng.choice(mutations(rng.randint(0, 10**6), original)[:5])
        if mutated == original:
            continue
        headers[name] = mutated
        changed = signature.SignedRequest(request.method, request.url, headers, request.body)
        with pytest.raises(AccessDeniedError):
            signature.verify(changed, secrets, "us-east-1", when)
    assert signature.verify(request, secrets, "us-east-1", when) == ACCESS_KEY


def test_policies_are_read_exactly_or_refused() -> None:
    rng = random.Random(7)
    for pattern in mutations(8, "arn:aws:airflow:*:*:environment/dev-?"):
        document = {"Statement": {"Effect": "Allow", "Action": "airflow:GetEnvironment", "Resource": pattern}}
        try:
            found = policy.parse(document, "t")
        except EnvironmentConfigError:
            continue
        resource = "arn:aws:airflow:us-east-1:0:environment/" + "".join(rng.choice("abc-[]z") for _ in range(5))
        allowed = found.allows("airflow:GetEnvironment", resource)
        literal = "*" not in pattern and "?" not in pattern
        assert not literal or allowed == (pattern == resource), pattern


def test_rest_paths_are_refused_only_for_dot_segments() -> None:
    for path in mutations(9, "/dags/d/dagRuns/r/taskInstances/t"):
        try:
            check_rest_path(path)
        except EnvironmentConfigError:
            assert any(
                segment in (".", "..")
                for segment in path.split("?")[0].replace("%2e", ".").replace("%2E", ".").split("/")
            ), path


def test_the_edges_proxy_never_answers_500_to_a_path(tmp_path: Path) -> None:
    import httpx

    class Echo(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, text="ok")

    app = make_app(
        EdgeSettings("env1", "3.3.1", KEY, "http://web:8080"), RunnerClient(tmp_path / "no.sock", 1, 0.1, 1.0), Echo()
    )
    client = TestClient(app, base_url="https://localhost:8443", raise_server_exceptions=False)
    for path in mutations(10, "/api/v2/dags?limit=1")[:100]:
        quoted = "".join(
            char if char.isascii() and char.isprintable() and char not in " #" else f"%{ord(char) % 256:02X}"
            for char in path
        )
        response = client.get("https://localhost:8443/" + quoted.lstrip("/"))
        assert response.status_code < 500, (path, response.status_code)


def test_the_rest_leg_refuses_bodies_it_cannot_read_without_a_500(tmp_path: Path) -> None:
    import httpx

    class Echo(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json={})

    app = make_app(
        EdgeSettings("env1", "3.3.1", KEY, "http://web:8080"), RunnerClient(tmp_path / "no.sock", 1, 0.1, 1.0), Echo()
    )
    client = TestClient(app, base_url="https://localhost:8443", raise_server_exceptions=False)
    rest = tokens.issue(KEY, "rest", "env1", "user/admin", "Admin", datetime.now(UTC).timestamp())
    for body in mutations(11, '{"Method": "GET", "Path": "/dags"}')[:100]:
        response = client.post(
            "/mwaa-local/restapi",
            content=body.encode(errors="surrogatepass"),
            headers={"Authorization": f"Bearer {rest}"},
        )
        # Its own answers: 400 for a call it cannot read, 403 for the token, 503 without a CLI runner.
        assert response.status_code != 500 and "error" in response.json(), (body, response.status_code)
