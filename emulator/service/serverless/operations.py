"""MWAA Serverless's operations on workflows (docs/reference.md §24): one method per operation of
botocore's `mwaa-serverless` model, taking the request's members and returning the response's.
A workflow's definition is read from the bucket once, when its version is made, and kept.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from botocore.model import ServiceModel

from emulator.model.errors import NotImplementedYetError
from emulator.model.serverless.definition import DefinitionError, parse_definition
from emulator.model.serverless.errors import WorkflowConflictError, WorkflowNotFoundError, WorkflowValidationError
from emulator.model.serverless.workflows import (
    Workflow,
    WorkflowVersion,
    new_suffix,
    new_version,
    version_members,
    workflow_arn,
)
from emulator.service.serverless.definitions import FIELD, S3Client, read_definition
from emulator.service.serverless.pages import page
from emulator.service.serverless.store import WorkflowStore

RUNS_NOT_YET = (
    "mwaa-local does not run MWAA Serverless workflows yet: workflows can be created, versioned, "
    "read and deleted; runs come with the serverless engine."
)


def name_of(arn: str) -> str:
    """The workflow name in an ARN `…:workflow/<Name>-<suffix>`."""
    return arn.rsplit("/", 1)[-1].rsplit("-", 1)[0]


def digest(members: dict[str, Any]) -> str:
    request = {key: value for key, value in members.items() if key != "ClientToken"}
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


class WorkflowOperations:
    def __init__(
        self, store: WorkflowStore, s3: S3Client, model: ServiceModel, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.s3 = s3
        self.model = model
        self.clock = clock
        self.lock = threading.Lock()
        self.version_members = version_members(model)

    def max_results(self, operation: str) -> int:
        shape = self.model.operation_model(operation).input_shape.members["MaxResults"]
        return int(shape.metadata["max"])

    # Workflows

    def create_workflow(self, members: dict[str, Any]) -> dict[str, Any]:
        request = digest(members)
        token = members.get("ClientToken")
        with self.lock:
            for name in self.store.names():
                earlier = self.store.load(name)
                if earlier is not None and token is not None and earlier.client_token == token:
                    if earlier.request_digest != request:
                        raise WorkflowConflictError(
                            f"ClientToken {token} was already used with different parameters.", earlier.arn
                        )
                    return self.created(earlier)
            if self.store.load(members["Name"]) is not None:
                existing = self.store.load(members["Name"])
                assert existing is not None
                raise WorkflowConflictError(f"A workflow named {members['Name']} already exists.", existing.arn)
            now = self.clock()
            version = self.snapshot(members["Name"], members, now)
            workflow = Workflow(
                arn=workflow_arn(members["Name"], new_suffix()),
                name=members["Name"],
                created_at=now,
                modified_at=now,
                tags=dict(members.get("Tags") or {}),
                versions=[version],
                client_token=token,
                request_digest=request,
            )
            self.store.save(workflow)
            return self.created(workflow)

    def created(self, workflow: Workflow) -> dict[str, Any]:
        first = workflow.versions[0]
        return {
            "WorkflowArn": workflow.arn,
            "CreatedAt": workflow.created_at,
            "WorkflowStatus": workflow.status,
            "WorkflowVersion": first.version,
            "IsLatestVersion": first is workflow.latest,
            "Warnings": [],
        }

    def snapshot(self, name: str, members: dict[str, Any], now: float) -> WorkflowVersion:
        """A new version of workflow `name`: its definition read from the bucket, checked and kept."""
        location = dict(members["DefinitionS3Location"])
        text, read_version = read_definition(self.s3, location)
        try:
            definition = parse_definition(text)
        except DefinitionError as error:
            where = f"s3://{location['Bucket']}/{location['ObjectKey']}"
            raise WorkflowValidationError(f"Invalid workflow definition {where}: {error}", field=FIELD) from None
        location["VersionId"] = read_version
        kept = {key: value for key, value in members.items() if key in self.version_members}
        version = WorkflowVersion(
            version=new_version(),
            created_at=now,
            members={**kept, "DefinitionS3Location": location},
            dag_id=definition.dag_id,
            schedule=definition.schedule,
            scheduled=definition.schedule is not None,
        )
        self.store.save_definition(name, version.version, text.decode("utf-8"))
        return version

    def workflow(self, arn: str) -> Workflow:
        found = self.store.load(name_of(arn))
        if found is None or found.arn != arn:
            raise WorkflowNotFoundError(arn)
        return found

    def workflow_version(self, workflow: Workflow, version: str | None) -> WorkflowVersion:
        found = workflow.version(version)
        if found is None:
            raise WorkflowNotFoundError(f"{workflow.arn}:{version}", "WorkflowVersion")
        return found

    def update_workflow(self, members: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            workflow = self.workflow(members["WorkflowArn"])
            now = self.clock()
            version = self.snapshot(workflow.name, members, now)
            for older in workflow.versions:
                older.scheduled = False  # only the latest version keeps its schedule
            workflow.versions.append(version)
            workflow.modified_at = now
            self.store.save(workflow)
            return {
                "WorkflowArn": workflow.arn,
                "ModifiedAt": now,
                "WorkflowVersion": version.version,
                "Warnings": [],
            }

    def get_workflow(self, members: dict[str, Any]) -> dict[str, Any]:
        workflow = self.workflow(members["WorkflowArn"])
        version = self.workflow_version(workflow, members.get("WorkflowVersion"))
        return {
            **version.members,
            "WorkflowArn": workflow.arn,
            "WorkflowVersion": version.version,
            "Name": workflow.name,
            "CreatedAt": version.created_at,
            "ModifiedAt": workflow.modified_at,
            "WorkflowStatus": workflow.status,
            "ScheduleConfiguration": schedule_of(version),
            "WorkflowDefinition": self.store.definition(workflow.name, version.version),
        }

    def delete_workflow(self, members: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            workflow = self.workflow(members["WorkflowArn"])
            wanted = members.get("WorkflowVersion")
            if wanted is None or [v.version for v in workflow.versions] == [wanted]:
                self.store.remove(workflow.name)
                return {"WorkflowArn": workflow.arn, "WorkflowVersion": wanted}
            version = self.workflow_version(workflow, wanted)
            workflow.versions.remove(version)
            self.store.save(workflow)
            self.store.remove_version(workflow.name, version.version)
            return {"WorkflowArn": workflow.arn, "WorkflowVersion": version.version}

    def list_workflows(self, members: dict[str, Any]) -> dict[str, Any]:
        workflows = [found for name in self.store.names() if (found := self.store.load(name)) is not None]
        size = members.get("MaxResults") or self.max_results("ListWorkflows")
        chosen, token = page(workflows, lambda workflow: workflow.name, size, members.get("NextToken"))
        summaries = [
            {
                "WorkflowArn": workflow.arn,
                "WorkflowVersion": workflow.latest.version,
                "Name": workflow.name,
                "Description": workflow.latest.members.get("Description"),
                "CreatedAt": workflow.created_at,
                "ModifiedAt": workflow.modified_at,
                "WorkflowStatus": workflow.status,
                "TriggerMode": workflow.latest.members.get("TriggerMode"),
            }
            for workflow in chosen
        ]
        return {"Workflows": summaries, "NextToken": token}

    def list_workflow_versions(self, members: dict[str, Any]) -> dict[str, Any]:
        workflow = self.workflow(members["WorkflowArn"])
        size = members.get("MaxResults") or self.max_results("ListWorkflowVersions")
        # Newest first, as a history reads; the token is the creation order, zero-padded.
        ordered = list(reversed(workflow.versions))
        position = {version.version: f"{index:08d}" for index, version in enumerate(ordered)}
        chosen, token = page(ordered, lambda version: position[version.version], size, members.get("NextToken"))
        summaries = [
            {
                "WorkflowVersion": version.version,
                "WorkflowArn": workflow.arn,
                "IsLatestVersion": version is workflow.latest,
                "CreatedAt": version.created_at,
                "ModifiedAt": version.created_at,
                "DefinitionS3Location": version.members["DefinitionS3Location"],
                "ScheduleConfiguration": schedule_of(version),
                "TriggerMode": version.members.get("TriggerMode"),
            }
            for version in chosen
        ]
        return {"WorkflowVersions": summaries, "NextToken": token}

    # Tags

    def tag_resource(self, members: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            workflow = self.workflow(members["ResourceArn"])
            workflow.tags.update(members["Tags"])
            self.store.save(workflow)
        return {}

    def untag_resource(self, members: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            workflow = self.workflow(members["ResourceArn"])
            for key in members["TagKeys"]:
                workflow.tags.pop(key, None)
            self.store.save(workflow)
        return {}

    def list_tags_for_resource(self, members: dict[str, Any]) -> dict[str, Any]:
        return {"Tags": self.workflow(members["ResourceArn"]).tags}

    # Runs: the serverless engine is not there yet; what exists is answered truthfully.

    def start_workflow_run(self, members: dict[str, Any]) -> dict[str, Any]:
        self.workflow_version(self.workflow(members["WorkflowArn"]), members.get("WorkflowVersion"))
        raise NotImplementedYetError(RUNS_NOT_YET)

    def stop_workflow_run(self, members: dict[str, Any]) -> dict[str, Any]:
        self.workflow(members["WorkflowArn"])
        raise WorkflowNotFoundError(members["RunId"], "WorkflowRun")

    def get_workflow_run(self, members: dict[str, Any]) -> dict[str, Any]:
        self.workflow(members["WorkflowArn"])
        raise WorkflowNotFoundError(members["RunId"], "WorkflowRun")

    def list_workflow_runs(self, members: dict[str, Any]) -> dict[str, Any]:
        self.workflow(members["WorkflowArn"])
        return {"WorkflowRuns": []}

    def get_task_instance(self, members: dict[str, Any]) -> dict[str, Any]:
        self.workflow(members["WorkflowArn"])
        raise WorkflowNotFoundError(members["RunId"], "WorkflowRun")

    def list_task_instances(self, members: dict[str, Any]) -> dict[str, Any]:
        self.workflow(members["WorkflowArn"])
        raise WorkflowNotFoundError(members["RunId"], "WorkflowRun")

    def create_airflow_ui_url(self, members: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedYetError(RUNS_NOT_YET)


def schedule_of(version: WorkflowVersion) -> dict[str, str] | None:
    """The version's schedule while it is active: an older version's is disabled."""
    return {"CronExpression": version.schedule} if version.scheduled and version.schedule else None
