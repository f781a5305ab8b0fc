"""What a request to the region's AWS services asks a policy for: its IAM action and the
resources it names, whatever its protocol."""

from __future__ import annotations

import json

import pytest

from emulator.model.aws_services import BY_CLIENT
from emulator.service.aws.requests import CBOR, JSON, QUERY, UnreadableRequest, requested

NO_SECRETS = lambda name: None  # noqa: E731 — no secret exists
GROUP = "arn:aws:logs:us-east-1:000000000000:log-group:airflow-dev-Task"


def json_request(client: str, target: str, members: dict[str, object]) -> tuple[dict[str, str], bytes]:
    return {"x-amz-target": target, "content-type": "application/x-amz-json-1.1"}, json.dumps(members).encode()


@pytest.mark.parametrize(
    ("operation", "members", "resources"),
    [
        ("DescribeLogGroups", {}, ("*",)),
        ("CreateLogStream", {"logGroupName": "airflow-dev-Task", "logStreamName": "s"}, (GROUP,)),
        ("GetLogEvents", {"logGroupIdentifier": GROUP + ":*", "logStreamName": "s"}, (GROUP,)),
        ("PutLogEvents", {"logGroupName": "airflow-dev-Task", "logStreamName": "a/b"}, (GROUP + ":log-stream:a/b",)),
    ],
)
def test_log_operations_name_their_group_or_stream(
    operation: str, members: dict[str, object], resources: tuple[str, ...]
) -> None:
    headers, body = json_request("logs", f"Logs_20140328.{operation}", members)
    found = requested(BY_CLIENT["logs"], headers, "/", "", body, NO_SECRETS)
    assert (found.action, found.protocol, found.resources) == (f"logs:{operation}", JSON, resources)


def test_a_secret_named_by_name_is_checked_by_its_full_arn() -> None:
    headers, body = json_request("secretsmanager", "secretsmanager.GetSecretValue", {"SecretId": "airflow/variables/v"})
    full = "arn:aws:secretsmanager:us-east-1:000000000000:secret:airflow/variables/v-AbCdEf"
    found = requested(BY_CLIENT["secretsmanager"], headers, "/", "", body, {"airflow/variables/v": full}.get)
    assert found.resources == (full,)
    missing = requested(BY_CLIENT["secretsmanager"], headers, "/", "", body, NO_SECRETS)
    assert missing.resources == ("arn:aws:secretsmanager:us-east-1:000000000000:secret:airflow/variables/v",)


def test_parameters_name_each_parameter() -> None:
    headers, body = json_request("ssm", "AmazonSSM.GetParameters", {"Names": ["/a/b", "c"]})
    found = requested(BY_CLIENT["ssm"], headers, "/", "", body, NO_SECRETS)
    assert found.resources == (
        "arn:aws:ssm:us-east-1:000000000000:parameter/a/b",
        "arn:aws:ssm:us-east-1:000000000000:parameter/c",
    )


def test_cloudwatch_by_cbor_path_and_by_query_action() -> None:
    cbor = {"content-type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
    path = "/service/GraniteServiceVersion20100801/operation/PutMetricData"
    found = requested(BY_CLIENT["cloudwatch"], cbor, path, "", b"\xa0", NO_SECRETS)
    assert (found.action, found.protocol, found.resources) == ("cloudwatch:PutMetricData", CBOR, ("*",))
    form = {"content-type": "application/x-www-form-urlencoded"}
    body = b"Action=GetMetricData&Version=2010-08-01"
    found = requested(BY_CLIENT["cloudwatch"], form, "/", "", body, NO_SECRETS)
    assert (found.action, found.protocol) == ("cloudwatch:GetMetricData", QUERY)


def test_a_request_naming_no_operation_or_with_a_broken_body_is_unreadable() -> None:
    with pytest.raises(UnreadableRequest, match="names no operation"):
        requested(BY_CLIENT["cloudwatch"], {}, "/", "", b"", NO_SECRETS)
    with pytest.raises(UnreadableRequest, match="not JSON"):
        requested(BY_CLIENT["logs"], {"x-amz-target": "Logs_20140328.PutLogEvents"}, "/", "", b"{", NO_SECRETS)
