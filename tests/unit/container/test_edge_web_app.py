"""The edge's `/aws_mwaa/cli` endpoint and proxy, over HTTP, with a stand-in Airflow runner on a
real Unix socket and a stand-in web component (the real ones: tests/e2e/test_cli_token.py)."""

from __future__ import annotations

import base64
import json
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from emulator.container.edge.runner_client import RunnerClient
from emulator.container.edge.web_app import EdgeSettings, make_app, make_plain_app
from emulator.model import tokens

pytestmark = pytest.mark.unit

KEY = b"k" * 32
NOW = 1_700_000_000.0
SETTINGS = EdgeSettings("env1", "3.3.1", KEY, "http://web:8080")


class StandInRunner:
    """Answers each connection as the real runner does and remembers what it was asked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.requests: list[dict[str, Any]] = []
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection, connection.makefile("rwb") as stream:
                line = stream.readline()
                if not line:  # a caller that gave up before asking
                    continue
                request = json.loads(line)
                self.requests.append(request)
                argv = request.get("argv", request.get("username"))
                answer = {
                    "exit": 0,
                    "stdout": base64.b64encode(f"ran {argv}\n".encode()).decode(),
                    "stderr": base64.b64encode(b"a warning\n").decode(),
                }
                stream.write(json.dumps(answer).encode() + b"\n")


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[StandInRunner]:
    stand_in = StandInRunner(tmp_path / "runner.sock")
    yield stand_in
    stand_in.listener.shutdown(socket.SHUT_RDWR)  # wakes its accept: the thread ends with the test
    stand_in.listener.close()
    stand_in.thread.join(5)


class StandInWeb(httpx.AsyncBaseTransport):
    """Airflow 3's login form and token endpoint as the edge uses them; echoes anything else,
    answering with a body still to be streamed, as a server does."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        if request.url.path == "/auth/login/" and request.method == "GET":
            form = '<form><input id="csrf_token" name="csrf_token" type="hidden" value="c5rf"></form>'
            return httpx.Response(200, headers={"set-cookie": "session=form; Path=/"}, text=form)
        if request.url.path == "/auth/login/":
            fields = dict(pair.split("=", 1) for pair in body.decode().split("&"))
            good = fields.get("csrf_token") == "c5rf" and "session=form" in request.headers.get("cookie", "")
            if not good:
                return httpx.Response(400, text="CSRF")
            cookies = [("set-cookie", "session=logged; Path=/"), ("set-cookie", "_token=jwt; Path=/")]
            return httpx.Response(302, headers=[("location", "/"), *cookies])
        if request.url.path == "/auth/token":
            return httpx.Response(201, json={"access_token": "jwt-" + json.loads(body)["username"]})
        seen = {
            "method": request.method,
            "url": str(request.url),
            "body": body.decode(),
            "proto": request.headers.get("x-forwarded-proto"),
            "auth": request.headers.get("authorization"),
            "cookie": request.headers.get("cookie"),
            "framing": request.headers.get("transfer-encoding") or request.headers.get("content-length"),
            "encoding": request.headers.get("accept-encoding"),
            "forwarded": request.headers.get_list("x-forwarded-for") + request.headers.get_list("x-forwarded-host"),
        }
        return httpx.Response(
            207,
            headers={"x-upstream": "yes", "set-cookie": "session=abc; Path=/"},
            stream=httpx.ByteStream(json.dumps(seen).encode()),
        )


def client_for(socket_path: Path, concurrency: int = 2, clock: float = NOW) -> TestClient:
    app = make_app(SETTINGS, RunnerClient(socket_path, concurrency, 0.5, 5.0), StandInWeb(), clock=lambda: clock)
    return TestClient(app, base_url="https://localhost:8443")


def token(kind: str = "cli", environment: str = "env1", key: bytes = KEY, issued: float = NOW) -> str:
    return tokens.issue(key, kind, environment, "user/mwaa-local-admin", "", issued)


def decoded(response: httpx.Response) -> tuple[str, str]:
    body = response.json()
    return base64.b64decode(body["stdout"]).decode(), base64.b64decode(body["stderr"]).decode()


def cli(client: TestClient, body: bytes, bearer: str | None) -> httpx.Response:
    headers = {"Content-Type": "text/plain"} | ({"Authorization": f"Bearer {bearer}"} if bearer else {})
    return client.post("/aws_mwaa/cli", content=body, headers=headers)


def test_a_command_runs_with_its_arguments_split_as_a_shell_would(runner: StandInRunner) -> None:
    response = cli(client_for(runner.path), b"""dags trigger d --conf '{"a": 1}'""", token())
    assert response.status_code == 200
    assert runner.requests == [{"op": "cli", "argv": ["dags", "trigger", "d", "--conf", '{"a": 1}']}]
    assert decoded(response) == ("ran ['dags', 'trigger', 'd', '--conf', '{\"a\": 1}']\n", "a warning\n")
    assert set(response.json()) == {"stdout", "stderr"}, "MWAA's two members, nothing else"


@pytest.mark.parametrize(
    ("bearer", "status", "reason"),
    [
        (None, 401, "Missing CLI token"),
        ("not-a-token", 403, "The token is malformed."),
        (token(key=b"x" * 32), 403, "signature is not valid for this environment"),
        (token(issued=NOW - 61), 403, "The token expired"),
        (token(environment="env2"), 403, "The token is for environment env2, not env1."),
        (token(kind="web"), 403, "This is a web token; this endpoint takes a cli token."),
    ],
    # Named, not shown: the tokens hold random nonces, and xdist's workers must collect one list.
    ids=["missing", "malformed", "forged", "expired", "other-environment", "web-token"],
)
def test_a_bad_token_is_refused_and_nothing_runs(
    runner: StandInRunner, bearer: str | None, status: int, reason: str
) -> None:
    response = cli(client_for(runner.path), b"dags list", bearer)
    assert response.status_code == status
    assert reason in response.json()["message"]
    assert reason in decoded(response)[1], "the recipes print stderr: the reason is there"
    assert runner.requests == []


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b"db reset -y", 500, "`db reset` is not an Airflow CLI command MWAA runs on Airflow 3.3.1"),
        (b"users create -u x", 500, "`users` is not an Airflow CLI command MWAA runs"),
        (b"tasks run d t r", 500, "`tasks run` is not an Airflow CLI command MWAA runs"),
        (b"", 400, "The request body is empty"),
        (b"dags list 'unclosed", 400, "cannot be split into arguments"),
        (b"x" * (64 * 1024 + 1), 413, "larger than 65536 bytes"),
    ],
    ids=["db-reset", "users", "tasks-run", "empty", "unclosed-quote", "too-long"],
)
def test_a_command_mwaa_does_not_run_is_refused_and_nothing_runs(
    runner: StandInRunner, body: bytes, status: int, reason: str
) -> None:
    response = cli(client_for(runner.path), body, token())
    assert (response.status_code, runner.requests) == (status, [])
    assert reason in response.json()["message"]


def test_without_its_runner_the_endpoint_says_the_cli_is_starting(tmp_path: Path) -> None:
    response = cli(client_for(tmp_path / "absent.sock"), b"dags list", token())
    assert response.status_code == 503
    assert "still starting" in response.json()["message"]


def test_calls_beyond_the_concurrency_bound_wait_then_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "slow.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen()
    listener.settimeout(5)
    first_status: list[int] = []
    with client_for(path, concurrency=1) as client:  # one event loop for every request, as in uvicorn
        first = threading.Thread(target=lambda: first_status.append(cli(client, b"dags list", token()).status_code))
        first.start()
        held, _ = listener.accept()  # the first call runs (and never ends): the one slot is taken
        try:
            second = cli(client, b"dags list", token())
            assert second.status_code == 429
            assert "one at a time" in second.json()["message"]
        finally:
            held.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            held.close()  # a reset, as when the command's process dies
            listener.close()
            first.join(10)
    assert first_status == [503], "the command whose process died answers 503, never a crash"


def test_everything_else_is_proxied_to_the_web_component(runner: StandInRunner) -> None:
    client = client_for(runner.path)
    response = client.post(
        "/api/v2/dags/d/dagRuns?x=1&y=2", content=b'{"conf": {}}', headers={"Authorization": "Bearer j"}
    )
    assert response.status_code == 207
    assert response.headers["x-upstream"] == "yes" and response.cookies["session"] == "abc"
    seen = response.json()
    assert seen == {
        "method": "POST",
        "url": "http://web:8080/api/v2/dags/d/dagRuns?x=1&y=2",
        "body": '{"conf": {}}',
        "proto": "https",
        "auth": "Bearer j",
        "cookie": None,
        "framing": "12",
        "encoding": client.headers["accept-encoding"],  # what the test client asked for
        "forwarded": ["testclient", "localhost:8443"],  # the edge's own, one of each
    }
    assert runner.requests == []
    client.cookies.clear()  # the browser side forgets; the edge's own client must never have kept it
    again = client.get("/ui/dags")
    assert again.json()["cookie"] is None, "one browser's session never rides along on another's request"
    # An empty chunked body makes gunicorn's sync workers reset the connection (a truncated answer).
    assert (again.json()["framing"], again.json()["body"]) == (None, ""), "a GET goes out with no body at all"


def test_bodies_over_their_doors_limit_are_refused_unread(runner: StandInRunner) -> None:
    client = client_for(runner.path)
    big = cli(client, b"dags list " + b"x" * 70_000, token())
    assert big.status_code == 413 and "larger than" in big.json()["message"]
    login_page = client.post("/pluginsv2/aws_mwaa/login", content=b"token=" + b"x" * 100_000)
    assert login_page.status_code == 413
    assert runner.requests == []


def test_a_clients_own_forwarded_headers_are_dropped(runner: StandInRunner) -> None:
    client = client_for(runner.path)
    spoofed = {"X-Forwarded-For": "10.9.9.9", "X-Forwarded-Host": "evil.example", "Forwarded": "for=10.9.9.9"}
    seen = client.get("/ui/dags", headers=spoofed).json()
    assert seen["forwarded"] == ["testclient", "localhost:8443"]


@pytest.mark.parametrize("path", ["//evil.example/x", "/a%00b"])
def test_a_path_that_is_no_path_is_a_bad_request(runner: StandInRunner, path: str) -> None:
    response = client_for(runner.path).get(f"https://localhost:8443{path}")
    assert response.status_code == 400 and response.text.startswith("Bad Request")


def login(client: TestClient, token: str) -> httpx.Response:
    return client.post("/pluginsv2/aws_mwaa/login", data={"token": token}, follow_redirects=False)


def test_a_web_token_logs_a_browser_in_once_as_the_callers_airflow_user(runner: StandInRunner) -> None:
    client = client_for(runner.path)
    web_token = tokens.issue(KEY, "web", "env1", "user/alice", "Viewer", NOW)
    answer = login(client, web_token)
    assert (answer.status_code, answer.headers["location"]) == (302, "/")
    assert answer.headers.get_list("set-cookie") == ["session=logged; Path=/", "_token=jwt; Path=/"]
    synced = runner.requests[0]
    assert (synced["op"], synced["username"], synced["role"]) == ("user", "user/alice", "Viewer")
    assert len(synced["password"]) >= 24, "a random password nobody is shown"
    reused = login(client, web_token)
    assert reused.status_code == 403 and "already used" in reused.text
    for refused in ("", token(), tokens.issue(KEY, "web", "env1", "user/a", "Admin", NOW - 61)):
        assert login(client, refused).status_code in (401, 403), refused
    assert len(runner.requests) == 1, "no refused token reached Airflow"


def test_the_sso_page_posts_the_fragments_token_to_the_versions_login(runner: StandInRunner) -> None:
    page = client_for(runner.path).get("/aws_mwaa/aws-console-sso?login=true")
    assert page.status_code == 200
    assert 'action="/pluginsv2/aws_mwaa/login"' in page.text and "window.location.hash" in page.text


def test_the_rest_leg_takes_only_the_control_planes_token_and_calls_as_the_user(runner: StandInRunner) -> None:
    client = client_for(runner.path)
    call = {"Method": "GET", "Path": "/dags", "QueryParameters": {"paused": False, "tags": ["a", "b"]}}
    refused = client.post("/mwaa-local/restapi", json=call, headers={"Authorization": f"Bearer {token()}"})
    assert refused.status_code == 403 and runner.requests == []
    rest_token = tokens.issue(KEY, "rest", "env1", "user/alice", "Op", NOW)
    answer = client.post("/mwaa-local/restapi", json=call, headers={"Authorization": f"Bearer {rest_token}"})
    assert answer.status_code == 200
    relayed = answer.json()
    assert relayed["status"] == 207
    assert relayed["response"]["url"] == "http://web:8080/api/v2/dags?paused=false&tags=a&tags=b"
    assert relayed["response"]["auth"] == "Bearer jwt-user/alice"
    assert runner.requests[0]["role"] == "Op"


def test_the_plain_port_proxies_everything_and_serves_nothing_of_mwaas_own() -> None:
    """The UI's plain-http port is the web servers as they are: `/aws_mwaa/cli` there reaches
    Airflow (which has no such page), never the CLI runner."""
    client = TestClient(make_plain_app("http://web:8080", StandInWeb()), base_url="http://localhost:8080")
    del client.headers["accept-encoding"]  # as curl: no compressed answer asked for
    for path in ("/home", "/aws_mwaa/cli"):
        response = client.post(path, content=b"dags list")
        assert response.status_code == 207, path
        assert response.json()["url"] == f"http://web:8080{path}"
        assert (response.json()["proto"], response.json()["body"]) == ("http", "dags list")
        assert response.json()["encoding"] is None, "the proxy asks for no compression the client did not"


class StoppingWeb(StandInWeb):
    """A web server whose first connection is reset before any answer (one just stopped)."""

    def __init__(self) -> None:
        self.failed = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.failed:
            self.failed += 1
            raise httpx.ConnectError("[Errno 104] Connection reset by peer", request=request)
        return await super().handle_async_request(request)


@pytest.mark.parametrize(("method", "retried"), [("GET", True), ("HEAD", True), ("POST", False), ("PATCH", False)])
def test_a_safe_request_whose_connection_failed_is_tried_once_more(method: str, retried: bool) -> None:
    web = StoppingWeb()
    client = TestClient(make_plain_app("http://web:8080", web), base_url="http://localhost:8080")
    response = client.request(method, "/api/v2/version", content=b"x" if method in ("POST", "PATCH") else None)
    if retried:
        assert response.status_code == 207
    else:  # it may have been received: never sent twice
        assert response.status_code == 502 and "The Airflow web server is not answering" in response.text
