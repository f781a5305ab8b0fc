"""`mwaa-local create --from FILE`: a cloud environment's settings as local CreateEnvironment members.

FILE holds either a CreateEnvironment input (as `--cli-input-json` takes it) or a GetEnvironment
output (`{"Environment": {...}}` as `aws mwaa get-environment` prints it). Output-only members
(those of the output's Environment shape that the CreateEnvironment input shape lacks, at any
depth) are dropped; members that only mean something in the cloud get the local stand-ins.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from botocore.model import MapShape, Shape, StructureShape

from emulator.model import shapes, versions
from emulator.model.defaults import apply_defaults
from emulator.model.errors import EnvironmentConfigError

# Cloud resources a local environment cannot use: replaced by the stand-ins defaults.py gives.
STAND_INS = ("ExecutionRoleArn", "NetworkConfiguration")
# Cloud-only members with no local counterpart: left out, so the local default applies.
# KmsKey: no KMS locally (MWAA's own default is the AWS managed key). EndpointManagement:
# there are no VPC endpoints to manage. The object versions name versions of the cloud bucket's
# objects, which the local bucket does not have; a local deploy uploads versions of its own.
LEFT_OUT = (
    "KmsKey",
    "EndpointManagement",
    "PluginsS3ObjectVersion",
    "RequirementsS3ObjectVersion",
    "StartupScriptS3ObjectVersion",
)
AIRFLOW_VERSION_OPTION = "--airflow-version"


@dataclass(frozen=True)
class MirroredInput:
    """CreateEnvironment members for a local environment, and what was changed on the way."""

    members: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def _output_only(value: Any, output: Shape, given: Shape, path: str, dropped: list[str]) -> Any:
    """`value` (of the output shape) with every member the input shape lacks removed."""
    if isinstance(output, StructureShape) and isinstance(given, StructureShape) and isinstance(value, dict):
        kept: dict[str, Any] = {}
        for member, item in value.items():
            where = f"{path}.{member}" if path else member
            if member not in given.members:
                dropped.append(where)
            elif member in output.members:
                kept[member] = _output_only(item, output.members[member], given.members[member], where, dropped)
            else:
                kept[member] = item
        return kept
    if isinstance(output, MapShape) and isinstance(given, MapShape) and isinstance(value, dict):
        return {
            key: _output_only(item, output.value, given.value, f"{path}.{key}", dropped) for key, item in value.items()
        }
    return value


def _needs_entries(shape: StructureShape, member: str) -> bool:
    return int(shape.members[member].metadata.get("min", 0)) > 0


def output_only_members() -> list[str]:
    """Top-level members of GetEnvironment's Environment that CreateEnvironment does not take."""
    environment = shapes.operation("GetEnvironment").output_shape.members["Environment"]
    create = shapes.operation("CreateEnvironment").input_shape
    return [member for member in environment.members if member not in create.members]


def _unsupported_version(what: str) -> versions.UnsupportedVersionError:
    known = ", ".join(sorted(versions.all_versions(), key=lambda v: tuple(int(p) for p in v.split("."))))
    return versions.UnsupportedVersionError(
        f"{what}, which mwaa-local does not support. Supported versions: {known}.",
        hint=f"Pick one with {AIRFLOW_VERSION_OPTION}, e.g. `mwaa-local create --from FILE "
        f"{AIRFLOW_VERSION_OPTION} {versions.default_version()}`.",
    )


def create_input_from(data: Any, airflow_version: str | None = None) -> MirroredInput:
    """CreateEnvironment members from a CreateEnvironment input or a GetEnvironment output.
    `airflow_version` (the `--airflow-version` option) overrides the file's version."""
    if not isinstance(data, dict):
        raise EnvironmentConfigError(
            "The file must hold a JSON object: a CreateEnvironment input or GetEnvironment's output.",
            hint='For example the output of `aws mwaa get-environment --name NAME`: {"Environment": {...}}.',
        )
    notes: list[str] = []
    if set(data) == {"Environment"} and isinstance(data["Environment"], dict):
        environment = shapes.operation("GetEnvironment").output_shape.members["Environment"]
        create = shapes.operation("CreateEnvironment").input_shape
        dropped: list[str] = []
        members = _output_only(data["Environment"], environment, create, "", dropped)
        if dropped:
            notes.append(f"Ignored output-only members: {', '.join(dropped)}.")
        # GetEnvironment prints `"Tags": {}` for an environment without tags, which CreateEnvironment's
        # model refuses (a map of at least one entry): an empty member of the output says nothing.
        empty = [member for member, value in members.items() if value in ({}, []) and _needs_entries(create, member)]
        for member in empty:
            del members[member]
    else:
        members = copy.deepcopy(data)

    name = str(members.get("Name") or "")
    origin = f"Environment {name}" if name else "The environment"
    stand_ins = apply_defaults({"Name": name} if name else {})
    replaced = [member for member in STAND_INS if member in members and members[member] != stand_ins[member]]
    for member in replaced:
        members[member] = copy.deepcopy(stand_ins[member])
    if replaced:
        notes.append(f"Replaced cloud-only members with local stand-ins: {', '.join(replaced)}.")
    left_out = [member for member in LEFT_OUT if members.pop(member, None) is not None]
    if left_out:
        notes.append(f"Left out cloud-only members: {', '.join(left_out)}.")

    if airflow_version is not None:
        if airflow_version not in versions.all_versions():
            raise _unsupported_version(f"{AIRFLOW_VERSION_OPTION} asks for Airflow {airflow_version}")
        if members.get("AirflowVersion") not in (None, airflow_version):
            notes.append(f"AirflowVersion {members['AirflowVersion']} replaced by {airflow_version}.")
        members["AirflowVersion"] = airflow_version
    elif members.get("AirflowVersion") is not None and members["AirflowVersion"] not in versions.all_versions():
        raise _unsupported_version(f"{origin} runs Airflow {members['AirflowVersion']}")
    return MirroredInput(members=members, notes=notes)
