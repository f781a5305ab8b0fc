"""An AWS Lambda-style handler that triggers a DAG through MWAA's CLI endpoint, with plain
boto3 and the standard library, as the AWS documentation's Lambda samples do. It runs
unchanged against mwaa-local with the variables `mwaa-local env` prints (boto3 finds the local
MWAA API; Python's ssl trusts the local CA through SSL_CERT_FILE).

    event = {"environment": "local", "dag_id": "my_dag", "conf": {"key": "value"}}
"""

from __future__ import annotations

import base64
import http.client
import json
import shlex
from typing import Any

import boto3


def lambda_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    mwaa = boto3.client("mwaa")
    token = mwaa.create_cli_token(Name=event["environment"])
    command = f"dags trigger {shlex.quote(event['dag_id'])}"
    if event.get("run_id"):
        command += f" --run-id {shlex.quote(event['run_id'])}"
    if event.get("conf"):
        command += f" --conf {shlex.quote(json.dumps(event['conf']))}"
    connection = http.client.HTTPSConnection(token["WebServerHostname"], timeout=60)
    connection.request(
        "POST",
        "/aws_mwaa/cli",
        body=command,
        headers={"Authorization": f"Bearer {token['CliToken']}", "Content-Type": "text/plain"},
    )
    response = connection.getresponse()
    result = json.loads(response.read())
    return {
        "statusCode": response.status,
        "stdout": base64.b64decode(result["stdout"]).decode(),
        "stderr": base64.b64decode(result["stderr"]).decode(),
    }


if __name__ == "__main__":
    import sys

    print(json.dumps(lambda_handler(json.loads(sys.argv[1]))))
