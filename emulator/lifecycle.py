"""What the commands do, apart from how they are asked for: up, down, status, deploy.

The CLI calls these today; the MWAA control plane (CreateEnvironment, DeleteEnvironment …)
drives the same functions next.
"""

from __future__ import annotations

import dataclasses
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.environments.airflow_config import EnvironmentSecrets, user_variables
from emulator.environments.defaults import DEFAULT_NAME
from emulator.environments.record import (
    WORKSPACE_FILE,
    EnvironmentRecord,
    build_record,
    check_name,
    read_workspace_file,
)
from emulator.environments.state import DEFAULT_WEB_PORT, EnvironmentState, LocalSettings, known_environments
from emulator.environments.timings import PROFILES
from emulator.environments.update import check_major_version
from emulator.errors import EnvironmentConfigError
from emulator.s3.bucket import ensure_bucket
from emulator.s3.deploy import ObjectChange, deploy_workspace
from emulator.s3.errors import s3_errors
from emulator.settings import Naming, Paths, project_paths, state_home
from emulator.stack import ports
from emulator.stack.compose import ServiceContainer
from emulator.stack.docker_engine import require_docker
from emulator.stack.environment import EnvironmentStack
from emulator.stack.region import Region


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


@dataclass(frozen=True)
class UpReport:
    record: EnvironmentRecord
    settings: LocalSettings
    secrets: EnvironmentSecrets
    region: Region
    seconds: float
    ignored_options: list[str]
    deployed: list[ObjectChange]


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


def check_change(context: Context, record: EnvironmentRecord) -> None:
    """Refuse what MWAA refuses: a major-version change, and two names one project can't tell apart."""
    clash = [
        name for name in known_environments(context.home) if name.lower() == record.name.lower() and name != record.name
    ]
    if clash:
        raise EnvironmentConfigError(
            f"Environment {record.name} would share its Docker project with environment {clash[0]}.",
            hint="Names that differ only in letter case cannot both run locally; choose another name.",
        )
    state = context.state(record.name)
    if not state.exists():
        return
    before = str(state.load_record_fields().get("AirflowVersion", ""))
    check_major_version(record.name, before, record.airflow_version)


def free_web_port(context: Context, name: str) -> int:
    """A new environment's UI port: the first from 8080 up that no other environment is given
    and nothing listens on (each MWAA environment has a web server of its own)."""
    given = {
        context.state(other).local_settings().web_port for other in known_environments(context.home) if other != name
    }
    port = DEFAULT_WEB_PORT
    while port in given or ports.in_use(port):
        port += 1
    return port


def local_settings_for_up(context: Context, state: EnvironmentState, options: UpOptions) -> LocalSettings:
    """The environment's local settings with this `up`'s options applied (kept afterwards)."""
    settings = state.local_settings()
    if options.web_port is not None:
        settings = dataclasses.replace(settings, web_port=options.web_port)
    elif not state.has_local_settings():
        settings = dataclasses.replace(settings, web_port=free_web_port(context, state.name))
    if not settings.environment_id:
        settings = dataclasses.replace(settings, environment_id=str(uuid.uuid4()))
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


def up(context: Context, record: EnvironmentRecord, options: UpOptions, workspace: Path | None = None) -> UpReport:
    require_docker()
    state = context.state(record.name)
    with state.lock():
        check_change(context, record)
        settings = local_settings_for_up(context, state, options)
        region = context.region()
        stack = context.stack(record)
        stack.check_ports(settings)
        with region.state.lock():
            region.up(options.timeout)
        digest = stack.render(record, settings, region.secrets())
        state.save_record(record)
        state.save_local_settings(settings)

        with s3_errors(region.endpoint()):
            client = region.client()
            ensure_bucket(client, record.bucket)
            deployed = deploy_workspace(client, record, workspace) if options.deploy and workspace else []

        if options.rebuild or not stack.image_current(record, digest):
            stack.build()
        seconds = stack.start(options.timeout)
        return UpReport(
            record=record,
            settings=settings,
            secrets=state.secrets(),
            region=region,
            seconds=seconds,
            ignored_options=user_variables(record)[1],
            deployed=deployed,
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


def down(context: Context, name: str, volumes: bool) -> bool:
    """Stop an environment. With `volumes` also delete it: its data and its saved state (record,
    secrets), as DeleteEnvironment would. The region stops with the last running environment;
    its bucket is wiped only when no other environment is left. Returns whether the region
    was stopped too."""
    require_docker()
    state = context.state(name)
    with state.lock():
        stack_of(context, name).down(volumes)
        if volumes:
            shutil.rmtree(state.directory)
    region = context.region()
    with region.state.lock():
        others = [other for other in running_environments(context) if other != name]
        if others:
            return False
        keep_bucket = any(other != name for other in known_environments(context.home))
        region.down(volumes and not keep_bucket)
    return True


def status(context: Context) -> tuple[list[ServiceContainer], dict[str, list[ServiceContainer]]]:
    require_docker()
    region_containers = context.region().project.containers()
    environments = {name: stack_of(context, name).containers() for name in known_environments(context.home)}
    return region_containers, environments


def deploy(context: Context, workspace: Path, name: str) -> list[ObjectChange]:
    require_docker()
    record = context.state(name).load_record()
    region = context.region()
    with s3_errors(region.endpoint()):
        client = region.client()
        ensure_bucket(client, record.bucket)
        return deploy_workspace(client, record, workspace)
