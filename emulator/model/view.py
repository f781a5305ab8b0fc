"""GetEnvironment's `Environment` structure (docs/reference.md §4), rendered from what mwaa-local keeps:
the record (CreateEnvironment members, defaults filled), its Lifecycle, and local facts.

Only members of the model's output shape appear, in the model's order. Reading never writes.
"""

from __future__ import annotations

import copy
from typing import Any

from emulator.model import shapes
from emulator.model.account import ACCOUNT_ID, DEFAULT_REGION
from emulator.model.airflow_config import celery_queue
from emulator.model.log_groups import log_group_arn
from emulator.model.record import EnvironmentRecord
from emulator.model.status import Lifecycle

SERVICE_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA"


def environment_arn(name: str) -> str:
    return f"arn:aws:airflow:{DEFAULT_REGION}:{ACCOUNT_ID}:environment/{name}"


def celery_queue_arn(record: EnvironmentRecord) -> str:
    """The ARN of the SQS queue MWAA names the environment's Celery queue after."""
    return f"arn:aws:sqs:{DEFAULT_REGION}:{ACCOUNT_ID}:{celery_queue(record)}"


def vpc_endpoint_service(environment_id: str, kind: str) -> str:
    return f"com.amazonaws.vpce.{DEFAULT_REGION}.vpce-svc-{kind}-{environment_id}"


def environment_shape_members() -> list[str]:
    output = shapes.operation("GetEnvironment").output_shape
    return list(output.members["Environment"].members)


def logging_view(record: EnvironmentRecord) -> dict[str, dict[str, Any]]:
    """Each log type's settings, with its log group's ARN when the type is enabled."""
    view: dict[str, dict[str, Any]] = {}
    for log_type, settings in (record.fields.get("LoggingConfiguration") or {}).items():
        entry = dict(settings)
        if entry.get("Enabled"):
            entry["CloudWatchLogGroupArn"] = log_group_arn(record, log_type)
        view[log_type] = entry
    return view


def environment_view(
    record: EnvironmentRecord, lifecycle: Lifecycle, webserver_url: str, environment_id: str
) -> dict[str, Any]:
    """GetEnvironment's `Environment`. `webserver_url` is a bare `host[:port]` (MWAA returns no
    scheme); `environment_id` names the VPC endpoint services of a CUSTOMER-managed environment."""
    derived: dict[str, Any] = {
        "Name": record.name,
        "Status": lifecycle.status,
        "Arn": environment_arn(record.name),
        "CreatedAt": lifecycle.created_at,
        "WebserverUrl": webserver_url,
        "ServiceRoleArn": SERVICE_ROLE_ARN,
        "LoggingConfiguration": logging_view(record),
        "LastUpdate": lifecycle.last_update.to_dict(),
        "Tags": dict(record.fields.get("Tags") or {}),
        "CeleryExecutorQueue": celery_queue_arn(record),
    }
    if record.fields.get("EndpointManagement") == "CUSTOMER":
        derived["WebserverVpcEndpointService"] = vpc_endpoint_service(environment_id, "webserver")
        derived["DatabaseVpcEndpointService"] = vpc_endpoint_service(environment_id, "database")
    view: dict[str, Any] = {}
    for member in environment_shape_members():
        if member in derived:
            view[member] = derived[member]
        elif record.fields.get(member) is not None:
            view[member] = copy.deepcopy(record.fields[member])
    return view


def get_environment_output(
    record: EnvironmentRecord, lifecycle: Lifecycle, webserver_url: str, environment_id: str
) -> dict[str, Any]:
    """The whole GetEnvironment response body: `{"Environment": {...}}`."""
    return {"Environment": environment_view(record, lifecycle, webserver_url, environment_id)}
