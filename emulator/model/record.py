"""An environment's settings, held in MWAA's own CreateEnvironment shape.

The record is the single format for an environment: a user's `environment.json`, the state
mwaa-local keeps, and (next) what the MWAA API serves all use it as is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.model import rules, shapes, versions
from emulator.model.classes import CLASSES, EnvironmentClass
from emulator.model.defaults import apply_defaults
from emulator.model.errors import EnvironmentConfigError

WORKSPACE_FILE = "environment.json"


@dataclass(frozen=True)
class EnvironmentRecord:
    """A validated, defaults-complete CreateEnvironment request (Name included)."""

    fields: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.fields["Name"])

    @property
    def airflow_version(self) -> versions.AirflowVersion:
        return versions.get(self.fields["AirflowVersion"])

    @property
    def environment_class(self) -> EnvironmentClass:
        return CLASSES[self.fields["EnvironmentClass"]]

    @property
    def bucket(self) -> str:
        return str(self.fields["SourceBucketArn"]).rsplit(":", 1)[-1]

    @property
    def dag_s3_path(self) -> str:
        return str(self.fields["DagS3Path"]).strip("/")

    @property
    def min_workers(self) -> int:
        return int(self.fields["MinWorkers"])

    @property
    def max_workers(self) -> int:
        return int(self.fields["MaxWorkers"])

    @property
    def min_webservers(self) -> int:
        return int(self.fields["MinWebservers"])

    @property
    def schedulers(self) -> int:
        return int(self.fields["Schedulers"])

    @property
    def configuration_options(self) -> dict[str, str]:
        return dict(self.fields.get("AirflowConfigurationOptions") or {})

    def s3_path(self, member: str, default: str) -> str:
        """A `*S3Path` member, or the conventional key when the record names none."""
        return str(self.fields.get(member) or default).strip("/")

    def to_json(self) -> str:
        return json.dumps(self.fields, indent=2, sort_keys=True) + "\n"


def build_record(given: dict[str, Any]) -> EnvironmentRecord:
    """Validate `given` CreateEnvironment members, complete them with MWAA's defaults, validate
    the whole, and apply MWAA's rules beyond the shape. Raises EnvironmentConfigError."""
    given = {member: value for member, value in given.items() if value is not None}
    errors = shapes.validate_input("CreateEnvironment", given, require=False)
    if not errors:
        complete = apply_defaults(given)
        errors = shapes.validate_input("CreateEnvironment", complete) or rules.check(complete)
    if errors:
        raise EnvironmentConfigError(
            shapes.validation_message(errors),
            hint="Fix the environment settings (environment.json or the command's options).",
        )
    return EnvironmentRecord(complete)


def check_name(name: str) -> str:
    """`name` if it is a valid environment name, else EnvironmentConfigError (MWAA's wording)."""
    errors = shapes.validate_input("CreateEnvironment", {"Name": name}, require=False)
    if errors:
        raise EnvironmentConfigError(
            shapes.validation_message(errors), hint="Names start with a letter: [a-zA-Z][0-9a-zA-Z-_]*."
        )
    return name


def read_workspace_file(path: Path) -> dict[str, Any]:
    """The CreateEnvironment members a user keeps in `environment.json` (empty when absent)."""
    if not path.exists():
        return {}
    try:
        given = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise EnvironmentConfigError(
            f"{path} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}.",
            hint='It holds CreateEnvironment members, e.g. {"AirflowVersion": "2.10.3"}.',
        ) from error
    if not isinstance(given, dict):
        raise EnvironmentConfigError(
            f"{path} must hold a JSON object of CreateEnvironment members.",
            hint='For example {"AirflowVersion": "2.10.3", "EnvironmentClass": "mw1.small"}.',
        )
    return given
