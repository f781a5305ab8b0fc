"""A workflow and its versions as MWAA Serverless keeps them (docs/reference.md §24): the ARN
`arn:aws:airflow-serverless:<region>:<account>:workflow/<Name>-<10 characters>`, a 32-character
version id per CreateWorkflow or UpdateWorkflow, each version holding the snapshot of its
definition and the members it was made with. Only the latest version keeps its schedule.
"""

from __future__ import annotations

import dataclasses
import secrets
import string
import uuid
from dataclasses import dataclass, field
from typing import Any

from botocore.model import ServiceModel

from emulator.model.account import ACCOUNT_ID, DEFAULT_REGION

SERVICE = "airflow-serverless"
SUFFIX_ALPHABET = string.ascii_letters + string.digits
READY, DELETING = "READY", "DELETING"


def workflow_arn(name: str, suffix: str) -> str:
    return f"arn:aws:{SERVICE}:{DEFAULT_REGION}:{ACCOUNT_ID}:workflow/{name}-{suffix}"


def new_suffix() -> str:
    return "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(10))


def new_version() -> str:
    return uuid.uuid4().hex


def version_members(model: ServiceModel) -> tuple[str, ...]:
    """What a version is made of: UpdateWorkflow's members (all but the workflow's ARN)."""
    shape = model.operation_model("UpdateWorkflow").input_shape
    return tuple(name for name in shape.members if name != "WorkflowArn")


@dataclass
class WorkflowVersion:
    version: str
    created_at: float
    members: dict[str, Any]  # UpdateWorkflow's members; DefinitionS3Location with the VersionId read
    dag_id: str
    schedule: str | None  # the definition's cron expression
    scheduled: bool  # whether this version's schedule is active (the latest's alone)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WorkflowVersion:
        return cls(**data)


@dataclass
class Workflow:
    arn: str
    name: str
    created_at: float
    modified_at: float
    status: str = READY
    tags: dict[str, str] = field(default_factory=dict)
    versions: list[WorkflowVersion] = field(default_factory=list)  # oldest first
    client_token: str | None = None
    request_digest: str | None = None  # of the CreateWorkflow request the token came with

    @property
    def latest(self) -> WorkflowVersion:
        return self.versions[-1]

    def version(self, version: str | None) -> WorkflowVersion | None:
        if version is None:
            return self.latest
        return next((found for found in self.versions if found.version == version), None)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Workflow:
        versions = [WorkflowVersion.from_json(item) for item in data.get("versions", [])]
        return cls(**{**data, "versions": versions})
