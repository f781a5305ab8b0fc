"""MWAA's CLI token flow (docs/reference.md §8) with the AWS documentation's own recipes, over https,
configured only from what `mwaa-local env` prints: CreateCliToken, then
`POST https://{WebServerHostname}/aws_mwaa/cli`."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from typing import Any

import boto3
import certifi
import pytest
import requests

from emulator.cli.lifecycle import Context
from emulator.model import tokens
from emulator.state import edge_credentials as credentials
from tests.support import REPO, Environment, mwaa_client, wait_for

DAG_ID = "e2e_cli_token"
DAG = (
    "import pendulum\n"
    "try:\n    from airflow.sdk import DAG\nexcept ImportError:\n    from airflow import DAG\n"
    f"with DAG('{DAG_ID}', schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz='UTC')):\n    pass\n"
)

# The UG's bash sample (call-mwaa-apis-cli), as published; only the command is a parameter.
BASH_RECIPE = """
set -euo pipefail
CLI_JSON=$(aws mwaa --region us-east-1 create-cli-token --name "$ENV_NAME")
CLI_TOKEN=$(echo $CLI_JSON | jq -r '.CliToken')
WEB_SERVER_HOSTNAME=$(echo $CLI_JSON | jq -r '.WebServerHostname')
CLI_RESULTS=$(curl -s -w '\\n%{http_code}' --request POST "https://$WEB_SERVER_HOSTNAME/aws_mwaa/cli" \\
  --header "Authorization: Bearer $CLI_TOKEN" \\
  --header "Content-Type: text/plain" \\
  --data-raw "$COMMAND")
STATUS=$(echo "$CLI_RESULTS" | tail -n 1)
CLI_RESULTS=$(echo "$CLI_RESULTS" | sed '$d')
echo "Status: $STATUS"
echo "Output:"
echo $CLI_RESULTS | jq -r '.stdout' | base64 --decode
echo "Errors:"
echo $CLI_RESULTS | jq -r '.stderr' | base64 --decode
"""

# The UG's Python sample (boto3 + requests), as published; the name and command are arguments.
PYTHON_RECIPE = """
import base64, json, sys
import boto3, requests
client = boto3.client('mwaa')
mwaa_cli_token = client.create_cli_token(Name=sys.argv[1])
mwaa_auth_token = 'Bearer ' + mwaa_cli_token['CliToken']
mwaa_webserver_hostname = 'https://{0}/aws_mwaa/cli'.format(mwaa_cli_token['WebServerHostname'])
raw_data = sys.argv[2]
mwaa_response = requests.post(
    mwaa_webserver_hostname,
    headers={'Authorization': mwaa_auth_token, 'Content-Type': 'text/plain'},
    data=raw_data,
)
mwaa_std_err_message = base64.b64decode(mwaa_response.json()['stderr']).decode('utf8')
mwaa_std_out_message = base64.b64decode(mwaa_response.json()['stdout']).decode('utf8')
print(json.dumps({'status': mwaa_response.status_code, 'stdout': mwaa_std_out_message, 'stderr': mwaa_std_err_message}))
"""


@pytest.fixture
def with_dag(environment: Environment, exports: dict[str, str]) -> str:
    """This test module's DAG, uploaded with boto3 and parsed."""
    s3 = boto3.client(
        "s3",
        endpoint_url=exports["AWS_ENDPOINT_URL_S3"],
        aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )
    s3.put_object(Bucket=environment.bucket, Key=f"dags/{DAG_ID}.py", Body=DAG.encode())
    wait_for(lambda: DAG_ID in environment.dag_ids(), 120, f"{DAG_ID} in Airflow", interval=2)
    return DAG_ID


def user_environment(exports: dict[str, str]) -> dict[str, str]:
    """A shell with only `mwaa-local env`'s exports on top (the aws CLI on PATH)."""
    path = os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]
    return {**os.environ, **exports, "PATH": path}


def bash_recipe(environment: Environment, exports: dict[str, str], command: str) -> tuple[int, str, str]:
    finished = subprocess.run(
        ["bash", "-c", BASH_RECIPE],
        env={**user_environment(exports), "ENV_NAME": environment.name, "COMMAND": command},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    head, _, rest = finished.stdout.partition("\nOutput:\n")
    output, _, errors = rest.rpartition("Errors:\n")
    return int(head.removeprefix("Status: ")), output, errors


def python_json(exports: dict[str, str], *arguments: str) -> dict[str, Any]:
    """A Python program run in the user's shell; the JSON object its last line prints."""
    finished = subprocess.run(
        [sys.executable, *arguments],
        env=user_environment(exports),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return dict(json.loads(finished.stdout.strip().splitlines()[-1]))


def python_recipe(environment: Environment, exports: dict[str, str], command: str) -> dict[str, Any]:
    return python_json(exports, "-c", PYTHON_RECIPE, environment.name, command)


def test_the_bash_recipe_lists_triggers_and_sets_variables_over_https(
    environment: Environment, exports: dict[str, str], with_dag: str
) -> None:
    assert exports["CURL_CA_BUNDLE"] == exports["AWS_CA_BUNDLE"] == exports["SSL_CERT_FILE"]
    status, output, _ = bash_recipe(environment, exports, "dags list -o json")
    assert status == 200
    assert with_dag in {dag["dag_id"] for dag in json.loads(output.strip().splitlines()[-1])}

    run_id = f"cli_token_{int(time.time())}"
    status, output, errors = bash_recipe(
        environment, exports, f"""dags trigger {with_dag} --run-id {run_id} --conf '{{"source": "curl", "n": 1}}'"""
    )
    assert status == 200, errors
    conf = "conf::text" if environment.family == 3 else "encode(conf, 'escape')"  # Airflow 2 pickles it
    runs = environment.sql(f"SELECT {conf} FROM dag_run WHERE dag_id = '{with_dag}' AND run_id = '{run_id}'")
    assert runs, f"no run {run_id}: {output} {errors}"
    assert "curl" in runs[0][0], "the JSON --conf arrived whole, quotes and spaces included"

    status, _, errors = bash_recipe(environment, exports, "variables set cli_token_greeting 'hello from curl'")
    assert status == 200, errors
    status, output, _ = bash_recipe(environment, exports, "variables get cli_token_greeting")
    assert (status, output.strip()) == (200, "hello from curl")


def test_the_python_recipe_with_requests_trusts_the_exported_ca_bundle(
    environment: Environment, exports: dict[str, str], with_dag: str
) -> None:
    answer = python_recipe(environment, exports, "dags list")
    assert answer["status"] == 200 and with_dag in answer["stdout"]
    answer = python_recipe(environment, exports, "variables set cli_token_python 'set by requests'")
    assert answer["status"] == 200, answer
    assert python_recipe(environment, exports, "variables get cli_token_python")["stdout"].strip() == "set by requests"

    # The https is real: a client that trusts only the public roots refuses the server.
    url = f"https://{webserver_hostname(environment, exports)}/aws_mwaa/cli"
    with pytest.raises(requests.exceptions.SSLError):
        requests.post(url, data="version", verify=certifi.where(), timeout=10)


def webserver_hostname(environment: Environment, exports: dict[str, str]) -> str:
    return str(mwaa_client(exports).get_environment(Name=environment.name)["Environment"]["WebserverUrl"])


def edge_key(environment: Environment) -> bytes:
    return credentials.token_key(Context.load().state(environment.name))


def post_cli(environment: Environment, exports: dict[str, str], token: str | None, body: str) -> requests.Response:
    headers = {"Content-Type": "text/plain"} | ({"Authorization": f"Bearer {token}"} if token else {})
    return requests.post(
        f"https://{webserver_hostname(environment, exports)}/aws_mwaa/cli",
        headers=headers,
        data=body.encode(),
        verify=exports["REQUESTS_CA_BUNDLE"],
        timeout=60,
    )


def stderr_of(response: requests.Response) -> str:
    return base64.b64decode(response.json()["stderr"]).decode()


def stdout_of(response: requests.Response) -> str:
    return base64.b64decode(response.json()["stdout"]).decode()


def test_bad_tokens_and_commands_mwaa_refuses_are_refused_and_run_nothing(
    environment: Environment, both: list[Environment], exports: dict[str, str]
) -> None:
    other = next(env for env in both if env.name != environment.name)
    now = time.time()
    mwaa = mwaa_client(exports)
    genuine = mwaa.create_cli_token(Name=environment.name)["CliToken"]
    payload, _, signature = genuine.partition(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    widened = base64.urlsafe_b64encode(json.dumps({**claims, "expires": now + 3600}).encode()).rstrip(b"=").decode()
    refused = {
        "missing": (None, 401, "Missing CLI token"),
        "expired": (
            tokens.issue(edge_key(environment), "cli", environment.name, "user/x", "", now - 120),
            403,
            "The token expired",
        ),
        "tampered": (f"{widened}.{signature}", 403, "signature is not valid"),
        "other environment": (
            mwaa.create_cli_token(Name=other.name)["CliToken"],
            403,
            "signature is not valid for this environment",
        ),
    }
    for case, (token, status, reason) in refused.items():
        response = post_cli(environment, exports, token, "variables set cli_token_refused yes")
        assert response.status_code == status, case
        assert reason in stderr_of(response), case
    for command in ("db reset -y", "users create -u intruder -r Admin -f a -l b -e e@x -p p"):
        response = post_cli(environment, exports, genuine, command)
        assert response.status_code == 500, command
        assert "is not an Airflow CLI command MWAA runs" in stderr_of(response)
    response = post_cli(environment, exports, genuine, "")
    assert response.status_code == 400 and "empty" in stderr_of(response)

    probe = post_cli(environment, exports, genuine, "variables get cli_token_refused")
    assert probe.status_code == 200 and "does not exist" in stderr_of(probe) + stdout_of(probe), (
        "no refused request ran"
    )
    users = environment.sql("SELECT username FROM ab_user WHERE username = 'intruder'")
    assert users == [], "users create did not run"


def test_the_lambda_style_example_triggers_a_dag_with_plain_boto3(
    environment: Environment, exports: dict[str, str], with_dag: str
) -> None:
    run_id = f"lambda_{int(time.time())}"
    event = {"environment": environment.name, "dag_id": with_dag, "run_id": run_id, "conf": {"source": "lambda"}}
    answer = python_json(exports, str(REPO / "examples" / "lambda_trigger_dag.py"), json.dumps(event))
    assert answer["statusCode"] == 200, answer
    assert environment.run_state(with_dag, run_id) is not None, f"no run {run_id}: {answer}"
