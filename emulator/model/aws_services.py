"""The AWS services the region serves beside S3 and the MWAA API (docs/reference.md §21 to §23):
CloudWatch Logs, CloudWatch metrics, Secrets Manager and SSM Parameter Store, all on the
control plane's port. A request names its service by its signature's scope (the signing name),
as every AWS endpoint reads it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from emulator.model.account import ACCOUNT_ID, DEFAULT_REGION


@dataclass(frozen=True)
class AwsService:
    client: str  # boto3's client name, IAM's action prefix and moto's backend name
    signing_name: str  # the SigV4 scope's service

    @property
    def display_name(self) -> str:
        return DISPLAY_NAMES[self.client]


SERVICES = (
    AwsService("logs", "logs"),
    AwsService("cloudwatch", "monitoring"),
    AwsService("secretsmanager", "secretsmanager"),
    AwsService("ssm", "ssm"),
)
BY_SIGNING_NAME = {service.signing_name: service for service in SERVICES}
BY_CLIENT = {service.client: service for service in SERVICES}
DISPLAY_NAMES = {
    "logs": "CloudWatch Logs",
    "cloudwatch": "CloudWatch",
    "secretsmanager": "Secrets Manager",
    "ssm": "SSM Parameter Store",
}
_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/,\s]+/(?P<service>[^/,\s]+)/aws4_request")


def signing_name(headers: Mapping[str, str]) -> str | None:
    """The service a request's SigV4 Authorization header is scoped to, if it has one."""
    found = _SCOPE.search(headers.get("authorization", ""))
    return found["service"] if found else None


def served(headers: Mapping[str, str]) -> AwsService | None:
    """The AWS service (other than MWAA) a signed request is for; None for the MWAA API's own."""
    name = signing_name(headers)
    return BY_SIGNING_NAME.get(name) if name else None


def arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{DEFAULT_REGION}:{ACCOUNT_ID}:{resource}"
