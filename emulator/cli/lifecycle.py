"""What the commands do, apart from how they are asked for: up, down, status, deploy.

Everything that creates, changes or deletes an environment goes through the control plane's
MWAA API (emulator.service), so the CLI and boto3 can never disagree; stopping an environment
without deleting it (`down`) and reading its state are local.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from emulator.docker import health_checks, images, ports
from emulator.docker.compose import ServiceContainer
from emulator.docker.engine import require_docker
from emulator.docker.environment import EnvironmentStack
from emulator.docker.readiness import Readiness
from emulator.docker.region import Region
from emulator.model import shapes
from emulator.model.airflow_config import EnvironmentSecrets, user_variables
from emulator.model.defaults import DEFAULT_NAME
from emulator.model.errors import EnvironmentConfigError, MwaaLocalError
from emulator.model.execution_role import role_name
from emulator.model.record import (
    WORKSPACE_FILE,
    EnvironmentRecord,
    build_record,
    check_name,
    read_workspace_file,
)
from emulator.model.status import AVAILABLE, CREATE_FAILED
from emulator.model.timings import PROFILES
from emulator.s3.bucket import ensure_bucket
from emulator.s3.deploy import ObjectChange, deploy_workspace
from emulator.s3.error_reports import s3_errors
from emulator.service.autoscaler import journal
from emulator.service.control_plane_client import IN_PROGRESS, ControlPlaneClient, failure
from emulator.service.provider import staged_configuration
from emulator.service.provider.store import FileStore
from emulator.state import edge_credentials as credentials
from emulator.state.home import (
    EnvironmentState,
    LocalSettings,
    known_environments,
    ports_lock,
    with_free_ports,
)
from emulator.state.role_policies import policy_path
from emulator.state.settings import Naming, Paths, project_paths, state_home

# CreateEnvironment members MWAA cannot change afterwards (UpdateEnvironment has no such member).
FIXED_MEMBERS = ("KmsKey", "EndpointManagement")


@dataclass(frozen=True)
class Context:
    paths: Paths
    home: Path

    @classmethod
    def load(cls) -> Context:
        return cls(project_paths(), state_home())

    @property
    def naming(self) -> Naming:
        return Naming.for_home(self.home)

    def region(self) -> Region:
        return Region(self.home, self.paths)

    def state(self, name: str) -> EnvironmentState:
        return EnvironmentState(self.home, name)

    def stack(self, record: EnvironmentRecord) -> EnvironmentStack:
        return EnvironmentStack.for_record(self.paths, self.state(record.name), self.naming, record)


@dataclass(frozen=True)
class UpOptions:
    web_port: int | None = None
    timings: str | None = None
    sync_interval: float | None = None
    rebuild: bool = False
    deploy: bool = False
    timeout: float = 600.0
    aws_endpoints: dict[str, str] | None = None  # None: keep the environment's
    https_port: int | None = None


@dataclass(frozen=True)
class UpReport:
    record: EnvironmentRecord
    settings: LocalSettings
    secrets: EnvironmentSecrets
    region: Region
    seconds: float
    ignored_options: list[str]
    deployed: list[ObjectChange]
    environment: dict[str, Any]  # GetEnvironment's Environment


def environment_name(workspace: Path, name: str | None) -> str:
    """Which environment a command means: --name, else the workspace's, else the default."""
    if name:
        return check_name(name)
    given = read_workspace_file(workspace / WORKSPACE_FILE)
    return check_name(str(given.get("Name") or DEFAULT_NAME))


def up_record(
    context: Context, workspace: Path, name: str | None = None, airflow_version: str | None = None
) -> tuple[EnvironmentRecord, str]:
    """The record `up` starts, and where its members came from.

    The workspace's environment.json when it describes this environment (names it, or names
    none); else the record saved at the environment's last `up`; else MWAA's defaults. Command
    options go on top.
    """
    target = environment_name(workspace, name)
    path = workspace / WORKSPACE_FILE
    given: dict[str, Any] = read_workspace_file(path)
    if given and given.get("Name") in (None, target):
        members, source = given, str(path)
    elif context.state(target).exists():
        members, source = context.state(target).load_record().fields, "the record saved at its last up"
    else:
        members, source = {}, "MWAA's defaults"
    members = {**members, "Name": target}
    if airflow_version:
        members["AirflowVersion"] = airflow_version
    return build_record(members), source


def local_settings_for_up(context: Context, state: EnvironmentState, options: UpOptions) -> LocalSettings:
    """The environment's local settings with this `up`'s options applied (kept afterwards)."""
    settings = state.local_settings()
    if options.web_port is not None:
        settings = dataclasses.replace(settings, web_port=options.web_port)
    if options.https_port is not None:
        settings = dataclasses.replace(settings, https_port=options.https_port)
    settings = with_free_ports(
        settings,
        context.home,
        state.name,
        ports.in_use,
        web_port_given=options.web_port is not None or state.has_local_settings(),
    )
    if not settings.environment_id:
        settings = dataclasses.replace(settings, environment_id=str(uuid.uuid4()))
    # `up` builds with the images this shell names (a mirror, a Python base), as it always has.
    settings = dataclasses.replace(settings, image_settings=images.image_settings())
    if options.timings is not None:
        if options.timings not in PROFILES:
            raise EnvironmentConfigError(
                f"Unknown timings {options.timings!r}.", hint=f"Use one of: {', '.join(PROFILES)}."
            )
        settings = dataclasses.replace(settings, timings=options.timings, sync_interval=None)
    if options.sync_interval is not None:
        settings = dataclasses.replace(settings, sync_interval=options.sync_interval)
    if options.aws_endpoints is not None:
        settings = dataclasses.replace(settings, aws_endpoints=options.aws_endpoints)
    return settings


class Display(Protocol):
    """How a command shows long work (the CLI: a spinner); lifecycle code never prints."""

    def step(self, text: str) -> None: ...
    def services(self, title: str, readiness: Readiness, elapsed: float) -> None: ...


class Quiet:
    """A Display that shows nothing (benchmarks, tests)."""

    def step(self, text: str) -> None:
        pass

    def services(self, title: str, readiness: Readiness, elapsed: float) -> None:
        pass


def region_up(context: Context, display: Display, timeout: float) -> Region:
    region = context.region()
    with region.state.lock():
        # The machine's CA and the bundle `mwaa-local env` exports, before any environment's edge.
        credentials.write_bundle(context.home)
        region.up(
            timeout,
            lambda step: display.step(f"Building the control plane's image: {step}"),
            lambda readiness, elapsed: display.services("region", readiness, elapsed),
        )
    return region


def api(context: Context, region: Region | None = None, service: str = "mwaa") -> ControlPlaneClient:
    """A client of the MWAA API (or, with service `mwaa-serverless`, MWAA Serverless's) of this
    machine's region, with the region's keys."""
    region = region or context.region()
    secrets = region.secrets()
    return ControlPlaneClient(region.api_endpoint(), secrets.access_key, secrets.secret_key, service)


def wait_settled(
    context: Context, client: ControlPlaneClient, name: str, display: Display, timeout: float
) -> dict[str, Any] | None:
    """The environment once its operation finished (None when deleted), showing its job's progress."""
    store = FileStore(context.home)

    def progress() -> str:
        try:
            entry = store.load(name)
        except MwaaLocalError:
            return ""
        return entry.progress if entry else ""

    def show(doing: str, elapsed: float) -> None:
        display.step(f"Environment {name}: {doing} ({elapsed:.0f}s)")

    return client.wait(name, timeout, show, progress)


def update_request(record: EnvironmentRecord, current: dict[str, Any]) -> dict[str, Any]:
    """UpdateEnvironment members that make the environment `current` (GetEnvironment's) run
    `record`: every member the update takes, so members left out of environment.json go back
    to MWAA's defaults. Members MWAA cannot change after creation must not differ."""
    for member in FIXED_MEMBERS:
        if record.fields.get(member) != current.get(member) and member in record.fields:
            raise EnvironmentConfigError(
                f"Environment {record.name}: {member} cannot change after the environment is created (as on MWAA).",
                hint=f"Delete it first with `mwaa-local down --volumes --name {record.name}`, or use another name.",
            )
    subnets = (record.fields.get("NetworkConfiguration") or {}).get("SubnetIds")
    if subnets is not None and subnets != (current.get("NetworkConfiguration") or {}).get("SubnetIds"):
        raise EnvironmentConfigError(
            f"Environment {record.name}: NetworkConfiguration.SubnetIds cannot change after the environment is "
            "created (as on MWAA).",
            hint=f"Delete it first with `mwaa-local down --volumes --name {record.name}`.",
        )
    members = shapes.operation("UpdateEnvironment").input_shape.members
    request = {member: record.fields[member] for member in members if member in record.fields and member != "Teams"}
    if "NetworkConfiguration" in request:
        groups = request["NetworkConfiguration"].get("SecurityGroupIds")
        request["NetworkConfiguration"] = {"SecurityGroupIds": groups} if groups else None
    if "AirflowConfigurationOptions" not in request and current.get("AirflowConfigurationOptions"):
        request["AirflowConfigurationOptions"] = {}
    teams, before = record.fields.get("Teams") or {}, current.get("Teams") or {}
    if teams != before:
        request["Teams"] = {"AddOrUpdate": teams, "Remove": sorted(set(before) - set(teams))}
    return {member: value for member, value in request.items() if value is not None}


def sync_tags(client: ControlPlaneClient, record: EnvironmentRecord, current: dict[str, Any]) -> None:
    """Tags are not UpdateEnvironment members: TagResource and UntagResource, as on MWAA."""
    tags, before = record.fields.get("Tags") or {}, current.get("Tags") or {}
    removed = sorted(set(before) - set(tags))
    if removed:
        client.call("untag_resource", ResourceArn=current["Arn"], tagKeys=removed)
    if tags and tags != before:
        client.call("tag_resource", ResourceArn=current["Arn"], Tags=tags)


def up(
    context: Context, record: EnvironmentRecord, options: UpOptions, display: Display, workspace: Path | None = None
) -> UpReport:
    """Region up, then CreateEnvironment (or UpdateEnvironment of an existing one) through the
    control plane, then wait for AVAILABLE."""
    require_docker()
    started = time.monotonic()
    state = context.state(record.name)
    # Ports are chosen and saved under one lock for the home: two `up`s side by side never pick
    # the same free port.
    with state.lock(), ports_lock(context.home):
        settings = local_settings_for_up(context, state, options)
        context.stack(record).check_ports(settings)
        state.directory.mkdir(parents=True, exist_ok=True)
        state.save_local_settings(settings)
    with context.region().state.in_use():
        return create_or_update(context, record, options, display, workspace, started)


def create_or_update(
    context: Context,
    record: EnvironmentRecord,
    options: UpOptions,
    display: Display,
    workspace: Path | None,
    started: float,
) -> UpReport:
    """`up` once its ports are saved: the region, the bucket, then the MWAA operation."""
    state = context.state(record.name)
    region = region_up(context, display, options.timeout)
    with s3_errors(region.endpoint()):
        s3 = region.client()
        ensure_bucket(s3, record.bucket)  # MWAA wants the bucket first; `up` makes it for the user
        deployed = deploy_workspace(s3, record, workspace) if options.deploy and workspace else []
        # MWAA reads these files only when an operation names their versions: `up` names the latest.
        files = staged_configuration.latest(record, s3)
    client = api(context, region)

    def remaining() -> float:
        return max(1.0, options.timeout - (time.monotonic() - started))

    current = client.environment(record.name)
    if current is not None and current["Status"] in IN_PROGRESS:
        current = wait_settled(context, client, record.name, display, remaining())
    if options.rebuild:
        images.forget(images.airflow_image(record.airflow_version.version))
    if current is not None and current["Status"] == CREATE_FAILED:
        display.step(f"Environment {record.name} is CREATE_FAILED: deleting it to create it again")
        kept = state.local_settings()  # the delete removes them with the rest of its state
        client.call("delete_environment", Name=record.name)
        current = wait_settled(context, client, record.name, display, remaining())
        state.directory.mkdir(parents=True, exist_ok=True)
        state.save_local_settings(kept)  # this `up`'s ports and timings, not the defaults
    if current is None:
        client.call("create_environment", **record.fields, **files)
    else:
        sync_tags(client, record, current)
        client.call("update_environment", **update_request(record, current), **files)
    settled = wait_settled(context, client, record.name, display, remaining())
    if settled is None or settled["Status"] != AVAILABLE:
        raise failure(settled or {"Name": record.name, "Status": "DELETED"})
    return UpReport(
        record=record,
        settings=state.local_settings(),
        secrets=state.secrets(),
        region=region,
        seconds=time.monotonic() - started,
        ignored_options=user_variables(record)[1],
        deployed=deployed,
        environment=settled,
    )


def stack_of(context: Context, name: str) -> EnvironmentStack:
    """The stack of a saved environment, for stopping and reading: nothing is rendered or
    written (reading never writes), and a stack rendered by an older mwaa-local still works."""
    state = context.state(name)
    state.require()
    return EnvironmentStack(context.paths, state, context.naming)


def running_environments(context: Context) -> list[str]:
    return [
        name
        for name in known_environments(context.home)
        if any(c.state == "running" for c in stack_of(context, name).containers())
    ]


def delete(context: Context, name: str, display: Display, timeout: float = 600.0) -> None:
    """DeleteEnvironment through the control plane, waiting until the environment is gone."""
    require_docker()
    context.state(name).require()
    client = api(context, region_up(context, display, timeout))
    current = client.environment(name)
    if current is not None and current["Status"] in IN_PROGRESS:
        current = wait_settled(context, client, name, display, timeout)
    if current is not None:
        client.call("delete_environment", Name=name)
        wait_settled(context, client, name, display, timeout)


def down(context: Context, name: str, volumes: bool, display: Display) -> bool:
    """Stop an environment. With `volumes` delete it (DeleteEnvironment: its data and its saved
    state). The region stops with the last running environment; its bucket is wiped only when
    no other environment is left. Returns whether the region was stopped too."""
    require_docker()
    if volumes:
        delete(context, name, display)
    else:
        state = context.state(name)
        with state.lock():
            stack_of(context, name).down(volumes=False)
    region = context.region()
    with region.state.lock():
        others = [other for other in running_environments(context) if other != name]
        others += [
            other
            for other in known_environments(context.home)
            if other != name and record_status(context, other) in IN_PROGRESS
        ]
        if others:
            return False
        with region.state.unused() as unused:
            if not unused:  # an `up` elsewhere is starting an environment on it
                return False
            keep_bucket = any(other != name for other in known_environments(context.home))
            region.down(volumes and not keep_bucket)
    return True


def services(context: Context) -> tuple[list[ServiceContainer], dict[str, list[ServiceContainer]]]:
    require_docker()
    # The engine checks every 30 s: a container still starting by its count is checked now.
    region_containers = health_checks.current(context.region().project.containers())
    environments = {
        name: health_checks.current(stack_of(context, name).containers()) for name in known_environments(context.home)
    }
    return region_containers, environments


def record_status(context: Context, name: str) -> str:
    """The environment's MWAA status as its record holds it (read from the state home)."""
    try:
        entry = FileStore(context.home).load(name)
    except MwaaLocalError as error:
        return f"record unreadable: {error.message}"
    return entry.lifecycle.status if entry else "no record"


def role_policy_file(context: Context, name: str) -> tuple[str, Path] | None:
    """The environment's execution role and the file that grants it more (None without a record)."""
    try:
        entry = FileStore(context.home).load(name)
    except MwaaLocalError:
        return None
    if entry is None:
        return None
    role = role_name(str(entry.record.fields["ExecutionRoleArn"]))
    return role, policy_path(context.home, role)


def scaling(context: Context, name: str) -> journal.Snapshot | None:
    """The autoscaler's latest reading of the environment (workers, tasks, queue)."""
    return journal.read(context.state(name).directory)


def deploy(context: Context, workspace: Path, name: str) -> list[ObjectChange]:
    """Upload the workspace to the environment's bucket; for an environment that does not exist
    yet, to the bucket its `up` would use (the files are there when it is created)."""
    require_docker()
    record = deploy_record(context, workspace, name)
    region = context.region()
    with s3_errors(region.endpoint()):
        client = region.client()
        ensure_bucket(client, record.bucket)
        return deploy_workspace(client, record, workspace)


def deploy_record(context: Context, workspace: Path, name: str) -> EnvironmentRecord:
    """The record whose bucket paths a deploy uploads to: the environment's, else its `up`'s."""
    state = context.state(name)
    return state.load_record() if state.exists() else up_record(context, workspace, name)[0]


def configuration_members(environment: dict[str, Any]) -> dict[str, str]:
    """The configuration files' paths and versions an environment (GetEnvironment's) runs."""
    return {
        member: str(environment[member])
        for kind in staged_configuration.KINDS
        for member in (kind.path_member, kind.version_member)
        if environment.get(member)
    }


@dataclass(frozen=True)
class AppliedFiles:
    outcome: str  # "applied", "current" (nothing new to apply) or "no environment"
    live: dict[str, str]


def apply_files(context: Context, name: str, display: Display, timeout: float = 1200.0) -> AppliedFiles:
    """After a deploy: UpdateEnvironment naming the latest versions of the configuration files,
    when they differ from the ones the environment runs, and wait for it."""
    client = api(context)
    current = client.environment(name)
    if current is None:
        return AppliedFiles("no environment", {})
    if current["Status"] in IN_PROGRESS:
        current = wait_settled(context, client, name, display, timeout) or current
    record = context.state(name).load_record()
    versions = {kind.version_member for kind in staged_configuration.KINDS}
    unpinned = build_record({member: value for member, value in record.fields.items() if member not in versions})
    region = context.region()
    with s3_errors(region.endpoint()):
        latest = staged_configuration.latest(unpinned, region.client())
    if all(configuration_members(current).get(member) == value for member, value in latest.items()):
        return AppliedFiles("current", configuration_members(current))
    client.call("update_environment", Name=name, **latest)
    settled = wait_settled(context, client, name, display, timeout)
    if settled is None or settled["Status"] != AVAILABLE:
        raise failure(settled or {"Name": name, "Status": "DELETED"})
    return AppliedFiles("applied", configuration_members(settled))
