"""MWAA Serverless's errors with the members its model gives them (docs/reference.md §24): a
ValidationException's `Reason` and `FieldList`, the `ResourceId` and `ResourceType` of a missing
or conflicting resource. The messages are mwaa-local's own: AWS documents none."""

from __future__ import annotations

from emulator.model.errors import MwaaLocalError

WORKFLOW = "Workflow"


class WorkflowValidationError(MwaaLocalError):
    aws_code = "ValidationException"
    http_status = 400
    exit_code = 2

    def __init__(self, message: str, reason: str = "fieldValidationFailed", field: str | None = None) -> None:
        super().__init__(message)
        self.extra: dict[str, object] = {"Reason": reason}
        if field is not None:
            self.extra["FieldList"] = [{"Name": field, "Message": message}]


class WorkflowNotFoundError(MwaaLocalError):
    aws_code = "ResourceNotFoundException"
    http_status = 404

    def __init__(self, resource: str, resource_type: str = WORKFLOW, message: str | None = None) -> None:
        super().__init__(message or f"{resource_type} {resource} does not exist.")
        self.extra = {"ResourceId": resource, "ResourceType": resource_type}


class WorkflowConflictError(MwaaLocalError):
    aws_code = "ConflictException"
    http_status = 409

    def __init__(self, message: str, resource: str, resource_type: str = WORKFLOW) -> None:
        super().__init__(message)
        self.extra = {"ResourceId": resource, "ResourceType": resource_type}
