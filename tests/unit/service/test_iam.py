"""Access control of the MWAA API: SigV4 signatures, identity policies and local principals."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from emulator.model import policy
from emulator.model.errors import AccessDeniedError, StateError
from emulator.model.policy import PolicyError
from emulator.service.api.backend import InMemoryOperations
from emulator.service.api.server import ServerThread
from emulator.service.iam import signature
from emulator.service.iam.access import AccessControl, role_arn
from emulator.service.iam.principals import Principal, Principals, admin, read_file
from emulator.service.iam.signature import MISMATCH, UNKNOWN_KEY, SignedRequest
from tests.unit.service.api_access import ACCESS_KEY, SECRET_KEY, access_for_tests, signed

pytestmark = pytest.mark.unit

URL = "http://127.0.0.1:4566/environments/env1"
VIEWER_KEY, VIEWER_SECRET = "AKIAVIEWER0000000001", "viewer-secret-0123456789"
VIEWER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["airflow:GetEnvironment", "airflow:ListEnvironments"], "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "airflow:CreateWebLoginToken",
            "Resource": "arn:aws:airflow:us-east-1:000000000000:role/*/Viewer",
        },
    ],
}
BODY = {
    "ExecutionRoleArn": "arn:aws:iam::000000000000:role/r",
    "SourceBucketArn": "arn:aws:s3:::bucket-one",
    "DagS3Path": "dags",
    "NetworkConfiguration": {"SubnetIds": ["subnet-a", "subnet-b"], "SecurityGroupIds": ["sg-a"]},
}


def signed_by_botocore(
    method: str = "GET",
    url: str = URL,
    body: bytes = b"",
    secret: str = SECRET_KEY,
    region: str = "us-east-1",
    headers: dict[str, str] | None = None,
) -> tuple[SignedRequest, datetime]:
    request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    SigV4Auth(Credentials(ACCESS_KEY, secret), "airflow", region).add_auth(request)
    headers = {"host": "127.0.0.1:4566", **dict(request.headers.items())}
    when = datetime.strptime(headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return SignedRequest(method, url, headers, body), when


def secrets(key: str) -> str | None:
    return {ACCESS_KEY: SECRET_KEY}.get(key)


def test_a_request_botocore_signed_verifies_and_names_its_key() -> None:
    request, when = signed_by_botocore("PATCH", body=b'{"MaxWorkers": 3}')
    assert signature.verify(request, secrets, "us-east-1", when) == ACCESS_KEY


def test_an_encoded_path_and_a_query_verify_as_signed() -> None:
    url = "http://127.0.0.1:4566/tags/arn%3Aaws%3Aairflow%3Aus-east-1%3A000000000000%3Aenvironment%2Fenv1?tagKeys=a&tagKeys=b"
    request, when = signed_by_botocore("DELETE", url=url)
    assert signature.verify(request, secrets, "us-east-1", when) == ACCESS_KEY


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: SignedRequest(r.method, r.url, r.headers, b'{"MaxWorkers": 30}'), MISMATCH),
        (lambda r: SignedRequest("DELETE", r.url, r.headers, r.body), MISMATCH),
        (lambda r: SignedRequest(r.method, r.url.replace("env1", "env2"), r.headers, r.body), MISMATCH),
        (
            lambda r: SignedRequest(r.method, r.url, {**r.headers, "Authorization": ""}, r.body),
            "Missing Authentication",
        ),
    ],
    ids=["body", "method", "path", "unsigned"],
)
def test_a_request_changed_after_signing_is_refused(change: Any, message: str) -> None:
    request, when = signed_by_botocore("PATCH", body=b'{"MaxWorkers": 3}')
    with pytest.raises(AccessDeniedError, match=message):
        signature.verify(change(request), secrets, "us-east-1", when)


def test_an_unsigned_payload_is_refused_so_a_captured_requests_body_cannot_be_swapped() -> None:
    """AWS takes `x-amz-content-sha256: UNSIGNED-PAYLOAD` from S3 clients only: signed that way, a
    request's signature would cover no body, and any body could replace the one sent."""
    request, when = signed_by_botocore(
        "PATCH", body=b'{"MaxWorkers": 3}', headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}
    )
    swapped = SignedRequest(request.method, request.url, request.headers, b'{"MaxWorkers": 25}')
    for sent in (request, swapped):
        with pytest.raises(AccessDeniedError, match="UNSIGNED-PAYLOAD"):
            signature.verify(sent, secrets, "us-east-1", when)


def test_wrong_secret_unknown_key_other_region_and_old_signatures_are_refused() -> None:
    request, when = signed_by_botocore(secret="not-the-secret")
    with pytest.raises(AccessDeniedError, match="signature we calculated does not match"):
        signature.verify(request, secrets, "us-east-1", when)
    with pytest.raises(AccessDeniedError, match=UNKNOWN_KEY):
        signature.verify(request, lambda key: None, "us-east-1", when)
    request, when = signed_by_botocore(region="eu-west-1")
    with pytest.raises(AccessDeniedError, match="scoped to a valid region, not 'eu-west-1'"):
        signature.verify(request, secrets, "us-east-1", when)
    request, when = signed_by_botocore()
    with pytest.raises(AccessDeniedError, match="Signature expired"):
        signature.verify(request, secrets, "us-east-1", when + timedelta(minutes=16))
    assert signature.verify(request, secrets, "us-east-1", when + timedelta(minutes=14)) == ACCESS_KEY


def test_explicit_deny_wins_and_nothing_is_allowed_by_default() -> None:
    document = {
        "Statement": [
            {"Effect": "Allow", "Action": "airflow:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "airflow:Delete*", "Resource": "arn:aws:airflow:*:*:environment/prod"},
        ]
    }
    found = policy.parse(document, "test")
    assert found.allows("airflow:DeleteEnvironment", "arn:aws:airflow:us-east-1:0:environment/dev")
    assert not found.allows("airflow:deleteenvironment", "arn:aws:airflow:us-east-1:0:environment/prod")
    assert not found.allows("s3:GetObject", "*"), "another service's action"
    only_roles = policy.parse({"Statement": {"Effect": "Allow", "NotAction": "airflow:Delete*", "Resource": "*"}}, "t")
    assert only_roles.allows("airflow:GetEnvironment", "x") and not only_roles.allows("airflow:DeleteEnvironment", "x")


@pytest.mark.parametrize(
    ("pattern", "resource", "allowed"),
    [
        ("arn:aws:airflow:*:*:environment/[a-z]*", "arn:aws:airflow:us-east-1:0:environment/prod", False),
        ("arn:aws:airflow:*:*:environment/[a-z]*", "arn:aws:airflow:us-east-1:0:environment/[a-z]-x", True),
        ("arn:aws:airflow:*:*:environment/de?", "arn:aws:airflow:us-east-1:0:environment/dev", True),
        ("arn:aws:airflow:*:*:environment/de?", "arn:aws:airflow:us-east-1:0:environment/devx", False),
        ("arn:aws:airflow:*:*:environment/dev", "arn:aws:airflow:us-east-1:0:environment/DEV", False),
        ("arn:aws:airflow:*:*:environment/a.c", "arn:aws:airflow:us-east-1:0:environment/abc", False),
    ],
)
def test_resources_match_with_iams_wildcards_only(pattern: str, resource: str, allowed: bool) -> None:
    """IAM knows `*` and `?`: a `[a-z]` in a policy is literal text, not a character class that
    would allow `prod`; resources compare case-sensitively."""
    found = policy.parse(
        {"Statement": {"Effect": "Allow", "Action": "airflow:GetEnvironment", "Resource": pattern}}, "t"
    )
    assert found.allows("airflow:GetEnvironment", resource) is allowed


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"Statement": [{"Effect": "Allow", "Action": "airflow:*", "Resource": "*", "Condition": {}}]}, "Condition"),
        ({"Statement": [{"Effect": "Permit", "Action": "airflow:*", "Resource": "*"}]}, "Effect must be"),
        ({"Statement": [{"Effect": "Allow", "Resource": "*"}]}, "exactly one of Action and NotAction"),
        ({"Statement": []}, "Statement must be"),
        ({"Version": "2020-01-01", "Statement": []}, "Version must be"),
        ({"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}, "Action must be a non-empty"),
    ],
)
def test_a_policy_it_cannot_read_exactly_is_refused_with_the_member_at_fault(
    document: dict[str, Any], message: str
) -> None:
    with pytest.raises(PolicyError, match=message):
        policy.parse(document, "principals.json Principals[0] Policy")


def write_principals(path: Path, *entries: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"Principals": list(entries)}))
    return path


def viewer_entry(**changes: Any) -> dict[str, Any]:
    return {
        "Name": "viewer",
        "AccessKeyId": VIEWER_KEY,
        "SecretAccessKey": VIEWER_SECRET,
        "Policy": VIEWER_POLICY,
        **changes,
    }


def test_the_principals_file_is_read_again_when_it_changes_and_a_broken_one_spares_the_admin(tmp_path: Path) -> None:
    path = tmp_path / "principals.json"
    principals = Principals(lambda: admin(ACCESS_KEY, SECRET_KEY), path)
    assert principals.find(VIEWER_KEY) is None, "no file: only the admin"
    write_principals(path, viewer_entry())
    found = principals.find(VIEWER_KEY)
    assert found is not None and found.arn == "arn:aws:iam::000000000000:user/viewer"
    path.write_text("{not json")
    os.utime(path, (1, 1))  # a new modification time, whatever the clock's resolution
    with pytest.raises(PolicyError, match="not readable JSON"):
        principals.find(VIEWER_KEY)
    assert principals.find(ACCESS_KEY) == admin(ACCESS_KEY, SECRET_KEY)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (viewer_entry(Name="mwaa-local-admin"), "Name must be"),
        (viewer_entry(AccessKeyId="short"), "AccessKeyId must be"),
        (viewer_entry(SecretAccessKey="short"), "SecretAccessKey must be"),
        (viewer_entry(AccessKeyId=ACCESS_KEY + "0" * 9), "already taken"),
        (viewer_entry(Policy={"Statement": [{"Effect": "Allow"}]}), r"Principals\[0\] Policy Statement\[0\]"),
    ],
)
def test_a_bad_principal_is_refused_naming_the_entry(tmp_path: Path, entry: dict[str, Any], message: str) -> None:
    path = write_principals(tmp_path / "principals.json", entry)
    with pytest.raises(PolicyError, match=message):
        read_file(path, frozenset({ACCESS_KEY + "0" * 9}))


def test_the_most_privileged_airflow_role_allowed_is_the_callers() -> None:
    document = {
        "Statement": [
            {"Effect": "Allow", "Action": "airflow:InvokeRestApi", "Resource": role_arn("env1", "User")},
            {"Effect": "Allow", "Action": "airflow:InvokeRestApi", "Resource": role_arn("env1", "Viewer")},
        ]
    }
    principal = Principal("ops", "AKIAOPS0000000000001", "x" * 16, policy.parse(document, "t"))
    access = access_for_tests()
    assert access.airflow_role(principal, "InvokeRestApi", "env1") == "User"
    with pytest.raises(AccessDeniedError, match="any Airflow role of environment env2"):
        access.airflow_role(principal, "InvokeRestApi", "env2")
    assert access.airflow_role(admin(ACCESS_KEY, SECRET_KEY), "InvokeRestApi", "env2") == "Admin"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    path = write_principals(tmp_path / "principals.json", viewer_entry())
    with ServerThread(InMemoryOperations(), AccessControl(access_for_tests(path).principals)) as running:
        yield running


def client(url: str, key: str = ACCESS_KEY, secret: str = SECRET_KEY) -> Any:
    return boto3.client(
        "mwaa",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(inject_host_prefix=False, retries={"total_max_attempts": 1}),
    )


def error_of(call: Any, **members: Any) -> dict[str, Any]:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(**members)
    return dict(raised.value.response["Error"])


def test_the_api_refuses_unsigned_and_wrongly_signed_requests(server: ServerThread) -> None:
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(server.url + "/environments", timeout=10)
    assert raised.value.code == 403 and raised.value.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    with urllib.request.urlopen(signed(server.url + "/environments", "GET"), timeout=10) as answer:
        assert json.loads(answer.read()) == {"Environments": []}

    wrong = error_of(client(server.url, secret="not-the-secret").list_environments)
    assert (wrong["Code"], wrong["Message"]) == ("AccessDeniedException", MISMATCH)
    stranger = error_of(client(server.url, key="AKIANOBODY0000000000").list_environments)
    assert (stranger["Code"], stranger["Message"]) == ("AccessDeniedException", UNKNOWN_KEY)


def test_a_viewer_reads_but_may_not_create_nor_call_the_rest_api(server: ServerThread) -> None:
    client(server.url).create_environment(Name="env1", **BODY)
    viewer = client(server.url, VIEWER_KEY, VIEWER_SECRET)
    assert viewer.list_environments()["Environments"] == ["env1"]
    assert viewer.get_environment(Name="env1")["Environment"]["Name"] == "env1"
    refused = error_of(viewer.create_environment, Name="env2", **BODY)
    assert refused["Code"] == "AccessDeniedException"
    assert refused["Message"] == (
        "User: arn:aws:iam::000000000000:user/viewer is not authorized to perform: airflow:CreateEnvironment on "
        "resource: arn:aws:airflow:us-east-1:000000000000:environment/env2 because no identity-based policy "
        "allows the airflow:CreateEnvironment action"
    )
    rest = error_of(viewer.invoke_rest_api, Name="env1", Path="/dags", Method="GET")
    assert rest["Code"] == "AccessDeniedException" and "Airflow role" in rest["Message"]
    assert error_of(viewer.delete_environment, Name="env1")["Code"] == "AccessDeniedException"
    assert client(server.url).get_environment(Name="env1")["Environment"]["Status"] != "DELETING"


def test_the_region_admin_is_read_again_only_when_the_regions_secrets_change(tmp_path: Path) -> None:
    from emulator.service.__main__ import RegionAdmin
    from emulator.state.home import RegionState

    region = RegionState(tmp_path)
    first = region.create_secrets()
    admin_of = RegionAdmin(region)
    assert admin_of().access_key == first.access_key
    assert admin_of() is admin_of(), "the same file: not read again"
    region.secrets_path.unlink()
    with pytest.raises(StateError):
        admin_of()
    again = region.create_secrets()
    assert admin_of().access_key == again.access_key != first.access_key
