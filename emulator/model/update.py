"""UpdateEnvironment as MWAA applies it: a partial update of the saved CreateEnvironment members.

Members not given keep their values. LoggingConfiguration merges per log type (the model's
input shape requires both Enabled and LogLevel of each type given, so keys merge trivially);
AirflowConfigurationOptions, when given, replaces the whole map. Where the two operations'
shapes differ, the model decides: NetworkConfiguration takes only SecurityGroupIds (subnets
cannot change), Teams is `{AddOrUpdate, Remove}`, WorkerReplacementStrategy belongs to the
update (LastUpdate), not to the record, and KmsKey, Tags and EndpointManagement are not members
of UpdateEnvironment at all (a ValidationException, as for any unknown member).
"""

from __future__ import annotations

import copy
from typing import Any

from emulator.model import shapes
from emulator.model.errors import EnvironmentConfigError
from emulator.model.record import EnvironmentRecord, build_record
from emulator.model.versions import AirflowVersion

OPERATION = "UpdateEnvironment"
# Members that describe the update itself, not the environment.
UPDATE_ONLY = ("WorkerReplacementStrategy",)
# Configuration files and the member naming their object version: a new path given without a
# version means the new object's current version, not the old path's version.
VERSIONED_PATHS = {
    "RequirementsS3Path": "RequirementsS3ObjectVersion",
    "PluginsS3Path": "PluginsS3ObjectVersion",
    "StartupScriptS3Path": "StartupScriptS3ObjectVersion",
}


def _given(members: dict[str, Any]) -> dict[str, Any]:
    return {member: value for member, value in members.items() if value is not None}


def validate(record: EnvironmentRecord, members: dict[str, Any]) -> None:
    """The given members against the model's UpdateEnvironment input shape (Name from the record)."""
    given = _given(members)
    errors = shapes.validate_input(OPERATION, {**given, "Name": given.get("Name", record.name)}, require=False)
    if not errors and given.get("Name", record.name) != record.name:
        errors = [f"Name {given['Name']} does not match the environment being updated, {record.name}."]
    if errors:
        raise EnvironmentConfigError(
            shapes.validation_message(errors), hint="Fix the UpdateEnvironment members; only Name is required."
        )


def merged_fields(record: EnvironmentRecord, members: dict[str, Any]) -> dict[str, Any]:
    """The record's members with the (already validated) update members merged in."""
    fields = copy.deepcopy(record.fields)
    for member, value in _given(members).items():
        if member == "Name" or member in UPDATE_ONLY:
            continue
        if member == "LoggingConfiguration":
            logging = fields.setdefault("LoggingConfiguration", {})
            for log_type, settings in value.items():
                logging[log_type] = {**logging.get(log_type, {}), **settings}
        elif member == "NetworkConfiguration":
            fields["NetworkConfiguration"] = {**fields.get("NetworkConfiguration", {}), **value}
        elif member == "Teams":
            _merge_teams(record, fields, value)
        else:
            fields[member] = copy.deepcopy(value)
    for path, version in VERSIONED_PATHS.items():
        moved = path in members and members[path] != record.fields.get(path)
        if moved and members.get(version) is None:
            fields.pop(version, None)
    return fields


def _merge_teams(record: EnvironmentRecord, fields: dict[str, Any], change: dict[str, Any]) -> None:
    teams = dict(fields.get("Teams") or {})
    teams.update(copy.deepcopy(change.get("AddOrUpdate") or {}))
    for team in change.get("Remove") or []:
        if team not in teams:
            raise EnvironmentConfigError(
                f"Environment {record.name} has no team {team} to remove.",
                hint=f"Its teams: {', '.join(sorted(teams)) or 'none'}.",
            )
        del teams[team]
    if teams:
        fields["Teams"] = teams
    else:
        fields.pop("Teams", None)


def check_major_version(name: str, before: str, after: AirflowVersion) -> None:
    """MWAA changes AirflowVersion only within one major version."""
    if before.split(".")[0] != str(after.family):
        raise EnvironmentConfigError(
            f"Environment {name} runs Airflow {before}; MWAA cannot change it to {after.version} "
            "(updates stay within one major version).",
            hint=f"Delete it first with `mwaa-local down --volumes --name {name}`, or use another name.",
        )


def apply_update(record: EnvironmentRecord, members: dict[str, Any]) -> EnvironmentRecord:
    """The record after UpdateEnvironment `members`; EnvironmentConfigError (ValidationException)
    when they break the model, MWAA's rules or the major-version rule."""
    validate(record, members)
    updated = build_record(merged_fields(record, members))
    check_major_version(record.name, str(record.fields["AirflowVersion"]), updated.airflow_version)
    return updated


def worker_replacement_strategy(members: dict[str, Any]) -> str | None:
    """The update's WorkerReplacementStrategy (for LastUpdate), when given."""
    value = members.get("WorkerReplacementStrategy")
    return None if value is None else str(value)
