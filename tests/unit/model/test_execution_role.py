"""The execution role's default policy is MWAA's documented one for the environment: read of its
own bucket, PublishMetrics on itself, nothing else of S3 or the MWAA API."""

from __future__ import annotations

import pytest

from emulator.model import execution_role
from emulator.model.policy import parse

OWN, OTHER = "arn:aws:s3:::own-bucket", "arn:aws:s3:::other-bucket"
ENV = "arn:aws:airflow:us-east-1:000000000000:environment/dev"


def default() -> dict[str, object]:
    return execution_role.default_policy("dev", "own-bucket")


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("s3:GetObject", f"{OWN}/dags/a.py"),
        ("s3:GetObjectVersion", f"{OWN}/requirements.txt"),
        ("s3:ListBucket", OWN),
        ("s3:ListBucketVersions", OWN),
        ("s3:GetBucketVersioning", OWN),
        ("airflow:PublishMetrics", ENV),
        ("logs:PutLogEvents", "arn:aws:logs:us-east-1:000000000000:log-group:airflow-dev-Task"),
        ("cloudwatch:PutMetricData", "*"),
    ],
)
def test_the_default_allows_what_mwaa_documents(action: str, resource: str) -> None:
    assert parse(default(), "default").allows(action, resource)


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("s3:PutObject", f"{OWN}/out.txt"),
        ("s3:DeleteObject", f"{OWN}/dags/a.py"),
        ("s3:GetObject", f"{OTHER}/dags/a.py"),
        ("s3:ListAllMyBuckets", OWN),
        ("airflow:PublishMetrics", "arn:aws:airflow:us-east-1:000000000000:environment/prod"),
        ("airflow:InvokeRestApi", "arn:aws:airflow:us-east-1:000000000000:role/prod/Admin"),
        ("airflow:GetEnvironment", ENV),
        ("logs:PutLogEvents", "arn:aws:logs:us-east-1:000000000000:log-group:airflow-prod-Task"),
    ],
)
def test_the_default_allows_nothing_else(action: str, resource: str) -> None:
    assert not parse(default(), "default").allows(action, resource)


def test_an_attached_policy_adds_grants_and_its_denials_win() -> None:
    attached = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{OWN}/*"},
            {"Effect": "Deny", "Action": "s3:GetObject", "Resource": f"{OWN}/secret/*"},
        ],
    }
    policy = parse(execution_role.combined(default(), attached), "combined")
    assert policy.allows("s3:PutObject", f"{OWN}/out.txt")
    assert policy.allows("s3:GetObject", f"{OWN}/dags/a.py")
    assert not policy.allows("s3:GetObject", f"{OWN}/secret/key")
    assert execution_role.combined(default(), None)["Statement"] == default()["Statement"]


def test_the_s3_servers_policy_keeps_only_s3_statements() -> None:
    attached = {
        "Statement": [
            {"Effect": "Allow", "Action": ["airflow:InvokeRestApi", "s3:PutObject"], "Resource": "*"},
            {"Effect": "Allow", "NotAction": "s3:DeleteObject", "Resource": "*"},
            {"Effect": "Allow", "Action": "*", "Resource": f"{OWN}/*"},
        ]
    }
    s3 = execution_role.s3_only(execution_role.combined(default(), attached))
    actions = [statement["Action"] for statement in s3["Statement"]]
    assert ["s3:ListAllMyBuckets"] in actions and ["s3:GetObject*", "s3:GetBucket*", "s3:List*"] in actions
    assert ["s3:GetAccountPublicAccessBlock"] in actions
    assert ["s3:PutObject"] in actions and ["s3:*"] in actions
    assert all(action.startswith("s3:") for listed in actions for action in listed)
    assert {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": ["arn:aws:s3:::*"]} in s3["Statement"]
    assert len(s3["Statement"]) == 5, "NotAction statements and other services' are left out"


def test_a_role_is_named_by_the_last_part_of_its_arn() -> None:
    assert execution_role.role_name("arn:aws:iam::000000000000:role/service-role/MyMwaaRole") == "MyMwaaRole"
