"""MWAA's web login (docs/reference.md §9) and InvokeRestApi (§10) on the WebserverUrl, with boto3,
requests and a real headless Chromium, configured only from what `mwaa-local env` prints."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from playwright.sync_api import sync_playwright

from emulator.state.settings import HOME
from tests.e2e.isolated_browser import isolated_chromium
from tests.support import REPO, Environment, mwaa_client

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
VIEWER_KEY, VIEWER_SECRET = "WEBVIEWERKEY0001", "viewer-secret-web"


def login_path(environment: Environment) -> str:
    return "/aws_mwaa/login" if environment.family == 2 else "/pluginsv2/aws_mwaa/login"


def api_root(environment: Environment) -> str:
    return "/api/v1" if environment.family == 2 else "/api/v2"


def airflow_roles(environment: Environment, username: str) -> set[str]:
    rows = environment.sql(
        "SELECT r.name FROM ab_user u JOIN ab_user_role ur ON ur.user_id = u.id "
        f"JOIN ab_role r ON r.id = ur.role_id WHERE u.username = '{username}'"
    )
    return {row[0] for row in rows}


def logged_in_session(environment: Environment, exports: dict[str, str], answer: dict[str, Any]) -> requests.Session:
    session = requests.Session()
    # The exported bundle, whatever this process's own REQUESTS_CA_BUNDLE says (requests lets
    # that variable override a session's `verify`).
    session.trust_env = False
    session.verify = exports["REQUESTS_CA_BUNDLE"]
    response = session.post(
        f"https://{answer['WebServerHostname']}{login_path(environment)}",
        data={"token": answer["WebToken"]},
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 302, response.text[:500]
    if environment.family == 3:  # Airflow 3's API takes the `_token` JWT as a bearer token
        session.headers["Authorization"] = f"Bearer {session.cookies['_token']}"
    return session


def test_a_web_login_token_logs_a_script_in_once_as_the_callers_airflow_user(
    environment: Environment, exports: dict[str, str]
) -> None:
    answer = mwaa_client(exports).create_web_login_token(Name=environment.name)
    assert answer["IamIdentity"] == answer["AirflowIdentity"] == "user/mwaa-local-admin"
    assert answer["WebServerHostname"] == f"localhost:{environment.https_port}"
    session = logged_in_session(environment, exports, answer)
    expected_cookies = {"session"} if environment.family == 2 else {"session", "_token"}
    assert expected_cookies <= set(session.cookies.keys())

    dags = session.get(f"https://{answer['WebServerHostname']}{api_root(environment)}/dags", timeout=30)
    assert dags.status_code == 200 and "dags" in dags.json()
    assert airflow_roles(environment, "user/mwaa-local-admin") == {"Admin"}

    again = requests.post(
        f"https://{answer['WebServerHostname']}{login_path(environment)}",
        data={"token": answer["WebToken"]},
        allow_redirects=False,
        verify=exports["REQUESTS_CA_BUNDLE"],
        timeout=30,
    )
    assert again.status_code == 403 and "already used" in again.text
    tampered = answer["WebToken"][:-2] + ("AA" if not answer["WebToken"].endswith("AA") else "BB")
    forged = requests.post(
        f"https://{answer['WebServerHostname']}{login_path(environment)}",
        data={"token": tampered},
        allow_redirects=False,
        verify=exports["REQUESTS_CA_BUNDLE"],
        timeout=30,
    )
    assert forged.status_code == 403 and "signature is not valid" in forged.text


def test_many_logins_in_a_row_all_succeed(environment: Environment, exports: dict[str, str]) -> None:
    mwaa = mwaa_client(exports)
    for _ in range(7):  # FAB alone would refuse the sixth login from one address within 40 s
        logged_in_session(environment, exports, mwaa.create_web_login_token(Name=environment.name))


def test_invoke_rest_api_reads_writes_and_relays_airflows_errors(
    environment: Environment, exports: dict[str, str]
) -> None:
    mwaa = mwaa_client(exports)
    listed = mwaa.invoke_rest_api(Name=environment.name, Method="GET", Path="/dags", QueryParameters={"paused": False})
    assert listed["RestApiStatusCode"] == 200 and "dags" in listed["RestApiResponse"]
    key = f"rest_{secrets.token_hex(3)}"
    body = {"key": key, "value": "set through InvokeRestApi", "description": "e2e"}
    made = mwaa.invoke_rest_api(Name=environment.name, Method="POST", Path="/variables", Body=body)
    assert made["RestApiStatusCode"] in (200, 201) and made["RestApiResponse"]["key"] == key
    read = mwaa.invoke_rest_api(Name=environment.name, Method="GET", Path=f"/variables/{key}")
    assert read["RestApiResponse"]["value"] == "set through InvokeRestApi"

    with pytest.raises(ClientError) as caught:
        mwaa.invoke_rest_api(Name=environment.name, Method="GET", Path="/no-such-endpoint")
    error = caught.value.response
    assert error["Error"]["Code"] == "RestApiClientException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["RestApiStatusCode"] == 404 and error["RestApiResponse"], "Airflow's own 404 body"


@pytest.fixture
def viewer(environment: Environment, exports: dict[str, str]) -> Iterator[Any]:
    """A principal allowed the Viewer role of this environment only (and reading records)."""
    role = f"arn:aws:airflow:us-east-1:000000000000:role/{environment.name}/Viewer"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["airflow:GetEnvironment", "airflow:ListEnvironments"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["airflow:CreateWebLoginToken", "airflow:InvokeRestApi"], "Resource": role},
        ],
    }
    principals = Path(os.environ[HOME.variable]) / "principals.json"
    entry = {"Name": "web-viewer", "AccessKeyId": VIEWER_KEY, "SecretAccessKey": VIEWER_SECRET, "Policy": policy}
    principals.write_text(json.dumps({"Principals": [entry]}))
    try:
        yield mwaa_client(exports, VIEWER_KEY, VIEWER_SECRET)
    finally:
        principals.unlink(missing_ok=True)


def test_a_viewer_gets_the_viewer_role_and_no_more(
    environment: Environment, exports: dict[str, str], viewer: Any
) -> None:
    listed = viewer.invoke_rest_api(Name=environment.name, Method="GET", Path="/dags")
    assert listed["RestApiStatusCode"] == 200
    with pytest.raises(ClientError) as caught:
        viewer.invoke_rest_api(Name=environment.name, Method="POST", Path="/variables", Body={"key": "v", "value": "1"})
    assert caught.value.response["Error"]["Code"] == "RestApiClientException"
    assert caught.value.response["RestApiStatusCode"] == 403, "Airflow's own refusal for a Viewer"
    answer = viewer.create_web_login_token(Name=environment.name)
    assert answer["AirflowIdentity"] == "user/web-viewer"
    logged_in_session(environment, exports, answer)
    assert airflow_roles(environment, "user/web-viewer") == {"Viewer"}, "MWAA's role, re-synced at login"
    with pytest.raises(ClientError) as refused:
        viewer.create_cli_token(Name=environment.name)
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"


def test_a_browser_follows_the_sso_url_into_the_airflow_ui(environment: Environment, exports: dict[str, str]) -> None:
    assert CHROMIUM.exists(), "Debian's chromium is needed for the browser test (.ci/run installs it)"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as driver, isolated_chromium(CHROMIUM, environment.https_port) as chromium:
        browser = driver.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        failed: list[str] = []
        try:
            answer = mwaa_client(exports).create_web_login_token(Name=environment.name)
            url = f"https://{answer['WebServerHostname']}/aws_mwaa/aws-console-sso?login=true#{answer['WebToken']}"
            # Chromium keeps its own trust store (the exported bundle is for curl, requests and
            # botocore, whose tests check the certificate): this browser is told to accept it.
            page = browser.new_context(ignore_https_errors=True).new_page()
            page.on("requestfailed", lambda request: failed.append(f"{request.url}: {request.failure}"))
            page.on("response", lambda response: response.status >= 500 and failed.append(response.url))
            page.goto(url, wait_until="networkidle", timeout=60_000)
            # The Security menu is the Admin role's: the mapped role, not just any login.
            page.get_by_text("Security", exact=True).first.wait_for(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / f"web-login-{environment.version}.png"), full_page=True)
            landed = page.url
        finally:
            browser.close()
    home = "/home" if environment.family == 2 else "/"
    assert landed == f"https://{answer['WebServerHostname']}{home}", "the UI's home, not a login form"
    if failed:
        web = "webserver" if environment.family == 2 else "api-server"
        logs = environment.compose("logs", "--no-color", "--tail=60", "edge", web, check=False).stdout
        pytest.fail(f"every page resource loads through the edge; these did not: {failed}\n{logs}")
