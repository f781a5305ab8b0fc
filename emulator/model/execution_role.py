"""An environment's execution role: who its tasks are to AWS (docs/reference.md §7.1).

On MWAA every Airflow container acts as the role the record's `ExecutionRoleArn` names, with
the session name `AmazonMWAA-airflow`. What the role may do is its identity policy; here that is
MWAA's documented execution-role policy for the environment, plus the statements the user adds
in the role's policy file (`<state home>/roles/<RoleName>.json`), as one would attach a policy
to the role in IAM.
"""

from __future__ import annotations

from typing import Any

from emulator.model.account import ACCOUNT_ID, DEFAULT_REGION
from emulator.model.view import environment_arn

SESSION_NAME = "AmazonMWAA-airflow"
S3_PREFIX = "s3:"


def role_name(role_arn: str) -> str:
    """`arn:aws:iam::123:role/service-role/MyRole` → `MyRole` (IAM role names are unique per account
    whatever their path)."""
    return role_arn.rsplit("/", 1)[-1]


def default_policy(environment: str, bucket: str) -> dict[str, Any]:
    """MWAA's documented execution-role policy for one environment, without its KMS statement
    (it needs a Condition, and no key exists locally): read of its own bucket, logs of its own
    groups, metrics, its Celery queues, and PublishMetrics on itself."""
    bucket_resources = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "airflow:PublishMetrics", "Resource": environment_arn(environment)},
            {"Effect": "Deny", "Action": "s3:ListAllMyBuckets", "Resource": bucket_resources},
            {"Effect": "Allow", "Action": ["s3:GetObject*", "s3:GetBucket*", "s3:List*"], "Resource": bucket_resources},
            {
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogStream",
                    "logs:CreateLogGroup",
                    "logs:PutLogEvents",
                    "logs:GetLogEvents",
                    "logs:GetLogRecord",
                    "logs:GetLogGroupFields",
                    "logs:GetQueryResults",
                ],
                "Resource": [f"arn:aws:logs:{DEFAULT_REGION}:{ACCOUNT_ID}:log-group:airflow-{environment}-*"],
            },
            {"Effect": "Allow", "Action": ["logs:DescribeLogGroups"], "Resource": ["*"]},
            {"Effect": "Allow", "Action": ["s3:GetAccountPublicAccessBlock"], "Resource": ["*"]},
            {"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": [
                    "sqs:ChangeMessageVisibility",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                    "sqs:GetQueueUrl",
                    "sqs:ReceiveMessage",
                    "sqs:SendMessage",
                ],
                "Resource": f"arn:aws:sqs:{DEFAULT_REGION}:*:airflow-celery-*",
            },
        ],
    }


def listed(value: Any) -> list[Any]:
    """A policy member IAM allows as one string or a list, as a list."""
    return [value] if isinstance(value, str) else list(value or [])


def statements(document: Any) -> list[Any]:
    """A policy document's statements as a list (IAM allows one statement object alone)."""
    found = document.get("Statement") if isinstance(document, dict) else None
    return [found] if isinstance(found, dict) else list(found or [])


def combined(default: dict[str, Any], attached: dict[str, Any] | None) -> dict[str, Any]:
    """The role's identity policy: the default statements and the attached file's, as IAM
    evaluates several policies of one role together (an explicit Deny in either wins)."""
    return {"Version": "2012-10-17", "Statement": [*statements(default), *statements(attached)]}


def s3_only(document: dict[str, Any]) -> dict[str, Any]:
    """The S3 statements of a policy, as an S3 server's user policy (MinIO refuses other services'
    actions): each statement's `s3:` actions only, `*` resources as `arn:aws:s3:::*`. Statements
    with NotAction or NotResource are left out: the S3 server would read them differently."""
    kept = []
    for statement in statements(document):
        if not isinstance(statement, dict) or "NotAction" in statement or "NotResource" in statement:
            continue
        s3_actions = [
            action
            for action in listed(statement.get("Action"))
            if action == "*" or action.lower().startswith(S3_PREFIX)
        ]
        if not s3_actions:
            continue
        kept.append(
            {
                "Effect": statement.get("Effect"),
                "Action": ["s3:*" if action == "*" else action for action in s3_actions],
                "Resource": [
                    "arn:aws:s3:::*" if resource == "*" else resource for resource in listed(statement.get("Resource"))
                ],
            }
        )
    return {"Version": "2012-10-17", "Statement": kept}
