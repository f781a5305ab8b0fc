"""MWAA Serverless's operations on workflows (docs/reference.md §24): one method per operation of
botocore's `mwaa-serverless` model, taking the request's members and returning the response's.
A workflow's definition is read from the bucket once, when its version is made, and kept.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from botocore.model import ServiceModel

from emulator.model import tokens
from emulator.model.serverless.definition import DefinitionError, parse_definition
from emulator.model.serverless.errors import WorkflowConflictError, WorkflowNotFoundError, WorkflowValidationError
from emulator.model.serverless.runs import ON_DEMAND, TaskInstance, WorkflowRun
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
from emulator.service.serverless.runs import RunDriver
from emulator.service.serverless.store import WorkflowStore

UI_URL_SECONDS = tokens.LIFETIME_SECONDS  # a web login token's life
UI_SESSION_SECONDS = 12 * 3600


def name_of(arn: str) -> str:
    """The workflow name in an ARN `…:workflow/<Name>-<suffix>`."""
    return arn.rsplit("/", 1)[-1].rsplit("-", 1)[0]


def digest(members: dict[str, Any]) -> str:
    request = {key: value for key, value in members.items() if key != "ClientToken"}
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


class WorkflowOperations:
    def __init__(
        self,
        store: WorkflowStore,
        s3: S3Client,
        model: ServiceModel,
        runs: RunDriver,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.runs = runs
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
            existing = self.store.load(members["Name"])
            if existing is not None:
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

    # Runs, carried out on the serverless engine (runs.py)

    def run(self, workflow: Workflow, run_id: str) -> WorkflowRun:
        found = self.store.load_run(workflow.name, run_id)
        if found is None:
            raise WorkflowNotFoundError(run_id, "WorkflowRun")
        return found

    def start_workflow_run(self, members: dict[str, Any]) -> dict[str, Any]:
        workflow = self.workflow(members["WorkflowArn"])
        version = self.workflow_version(workflow, members.get("WorkflowVersion"))
        token = members.get("ClientToken")
        earlier = next((run for run in self.store.runs(workflow.name) if token and run.client_token == token), None)
        run = earlier or self.runs.new_run(
            workflow, version.version, ON_DEMAND, dict(members.get("OverrideParameters") or {}), token
        )
        return {"RunId": run.run_id, "Status": run.status, "StartedAt": run.created_at}

    def stop_workflow_run(self, members: dict[str, Any]) -> dict[str, Any]:
        workflow = self.workflow(members["WorkflowArn"])
        run = self.runs.stop_run(self.run(workflow, members["RunId"]))
        return {"WorkflowArn": workflow.arn, "WorkflowVersion": run.version, "RunId": run.run_id, "Status": run.status}

    def get_workflow_run(self, members: dict[str, Any]) -> dict[str, Any]:
        workflow = self.workflow(members["WorkflowArn"])
        run = self.run(workflow, members["RunId"])
        ended = run.ended_at if not run.active else None
        detail = {
            "WorkflowArn": workflow.arn,
            "WorkflowVersion": run.version,
            "RunId": run.run_id,
            "RunType": run.run_type,
            "StartedOn": run.started_at,
            "CreatedAt": run.created_at,
            "CompletedOn": ended,
            "ModifiedAt": run.modified_at,
            "Duration": round(ended - run.started_at) if ended and run.started_at else None,
            "ErrorMessage": run.error,
            "TaskInstances": [task.task_id for task in run.tasks],
            "RunState": run.status,
        }
        return {
            "WorkflowArn": workflow.arn,
            "WorkflowVersion": run.version,
            "RunId": run.run_id,
            "RunType": run.run_type,
            "OverrideParameters": run.override_parameters,
            "RunDetail": detail,
        }

    def list_workflow_runs(self, members: dict[str, Any]) -> dict[str, Any]:
        workflow = self.workflow(members["WorkflowArn"])
        wanted = members.get("WorkflowVersion")
        runs = [run for run in reversed(self.store.runs(workflow.name)) if wanted in (None, run.version)]
        size = members.get("MaxResults") or self.max_results("ListWorkflowRuns")
        position = {run.run_id: f"{index:08d}" for index, run in enumerate(runs)}  # newest first
        chosen, token = page(runs, lambda run: position[run.run_id], size, members.get("NextToken"))
        summaries = [
            {
                "RunId": run.run_id,
                "WorkflowArn": workflow.arn,
                "WorkflowVersion": run.version,
                "RunType": run.run_type,
                "RunDetailSummary": {
                    "Status": run.status,
                    "CreatedOn": run.created_at,
                    "StartedAt": run.started_at,
                    "EndedAt": None if run.active else run.ended_at,
                },
            }
            for run in chosen
        ]
        return {"WorkflowRuns": summaries, "NextToken": token}

    def task_summary(self, workflow: Workflow, run: WorkflowRun, task: TaskInstance) -> dict[str, Any]:
        return {
            "WorkflowArn": workflow.arn,
            "WorkflowVersion": run.version,
            "RunId": run.run_id,
            "TaskInstanceId": task.task_id,
            "Status": task.status,
            "DurationInSeconds": task.duration,
            "OperatorName": task.operator,
        }

    def get_task_instance(self, members: dict[str, Any]) -> dict[str, Any]:
        workflow = self.workflow(members["WorkflowArn"])
        run = self.run(workflow, members["RunId"])
        task = run.task(members["TaskInstanceId"])
        if task is None:
            raise WorkflowNotFoundError(members["TaskInstanceId"], "TaskInstance")
        return {
            **self.task_summary(workflow, run, task),
            "TaskId": task.task_id,
            "ModifiedAt": task.modified_at,
            "StartedAt": task.started_at,
            "EndedAt": task.ended_at,
            "AttemptNumber": task.attempts,
            "ErrorMessage": task.error,
            "LogStream": task.log_stream,
        }

    def list_task_instances(self, members: dict[str, Any]) -> dict[str, Any]:
        workflow = self.workflow(members["WorkflowArn"])
        run = self.run(workflow, members["RunId"])
        size = members.get("MaxResults") or self.max_results("ListTaskInstances")
        chosen, token = page(run.tasks, lambda task: task.task_id, size, members.get("NextToken"))
        return {"TaskInstances": [self.task_summary(workflow, run, task) for task in chosen], "NextToken": token}

    def create_airflow_ui_url(self, members: dict[str, Any]) -> dict[str, Any]:
        """The engine's Airflow UI, started if it is not running (as the first run would)."""
        self.runs.keep_engine()
        now = self.clock()
        url = self.runs.engine.ui_url("mwaa-serverless-ui")
        expires = members.get("ExpiresInSeconds") or UI_URL_SECONDS
        session = members.get("SessionDurationInSeconds") or UI_SESSION_SECONDS
        return {
            "AuthorizedUrl": url,
            "SessionId": uuid.uuid4().hex,
            "UrlExpiresAt": now + min(expires, tokens.LIFETIME_SECONDS),
            "SessionExpiresAt": now + session,
        }


def schedule_of(version: WorkflowVersion) -> dict[str, str] | None:
    """The version's schedule while it is active: an older version's is disabled."""
    return {"CronExpression": version.schedule} if version.scheduled and version.schedule else None
