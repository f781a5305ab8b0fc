"""The control plane's Docker side: environments as compose projects (docs/reference.md §12.1 for the bucket).

`apply` renders an environment's compose inputs from its record, builds its image when the
inputs changed and starts it, reporting each step; `remove` deletes its containers, volumes
and state. Nothing here prints: progress goes to the `report` callback (into the record).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import uuid
from pathlib import Path
from typing import Any

from minio.commonconfig import ENABLED

from emulator.docker import render
from emulator.docker.engine import published_host_ports
from emulator.docker.environment import EnvironmentStack
from emulator.docker.readiness import Readiness
from emulator.docker.region import Region
from emulator.model.errors import EnvironmentConfigError, MwaaLocalError, ServiceUnavailableError
from emulator.model.record import EnvironmentRecord
from emulator.s3.error_reports import s3_errors
from emulator.service.aws.log_groups import EnvironmentLogGroups
from emulator.service.provider import edge_client, staged_configuration
from emulator.service.provider.plane import Report
from emulator.service.provider.role_sync import RoleSync
from emulator.state import edge_credentials as credentials
from emulator.state.home import EnvironmentState, LocalSettings, ports_lock, with_free_ports
from emulator.state.settings import START_TIMEOUT, Naming, Paths

DEFAULT_START_TIMEOUT = 900.0
log = logging.getLogger(__name__)


def start_timeout() -> float:
    return float(START_TIMEOUT.get() or DEFAULT_START_TIMEOUT)


def starting(readiness: Readiness) -> str:
    """The progress line of a start: what is not ready yet."""
    waiting = {**readiness.waiting, **readiness.failed}
    return "starting: " + (", ".join(f"{service} ({doing})" for service, doing in waiting.items()) or "finishing")


class DockerProvisioner:
    def __init__(self, home: Path, paths: Paths, log_groups: EnvironmentLogGroups | None = None) -> None:
        self._ports = threading.Lock()  # two creates at once must not pick the same web port
        self.home = home
        self.paths = paths
        self.naming = Naming.for_home(self.home)
        self.roles = RoleSync(home, paths)
        self.log_groups = log_groups

    def region(self) -> Region:
        return Region(self.home, self.paths)

    def state(self, name: str) -> EnvironmentState:
        return EnvironmentState(self.home, name)

    # -- checks at request time ----------------------------------------------------------------

    def check_new(self, record: EnvironmentRecord) -> None:
        """MWAA refuses a bucket that does not exist or has no versioning (docs/reference.md §5, §12.1).
        AWS documents no wording for these two; ours follows its `Invalid request provided:` style."""
        region = self.region()
        with s3_errors(region.endpoint()):
            client = region.client()
            if not client.bucket_exists(record.bucket):
                raise EnvironmentConfigError(
                    f"Invalid request provided: Provided bucket {record.bucket} does not exist.",
                    hint=f"Create it with versioning enabled first (aws s3api create-bucket --bucket {record.bucket}).",
                )
            if client.get_bucket_versioning(record.bucket).status != ENABLED:
                raise EnvironmentConfigError(
                    f"Invalid request provided: Provided bucket does not have versioning enabled for s3 bucket "
                    f"{record.bucket}.",
                    hint=f"aws s3api put-bucket-versioning --bucket {record.bucket} "
                    "--versioning-configuration Status=Enabled",
                )

    def resolve_files(self, record: EnvironmentRecord) -> EnvironmentRecord:
        """The record with its configuration files' object versions checked or fixed (MWAA reads
        them only now, at create and update)."""
        region = self.region()
        with s3_errors(region.endpoint()):
            return staged_configuration.resolve(record, region.client())

    # -- jobs ----------------------------------------------------------------------------------

    def settings_for(self, state: EnvironmentState) -> LocalSettings:
        """The environment's local settings (`up` saves them before it asks); a new environment
        created through the API gets a web port of its own, an id and the region's images."""
        settings = state.local_settings()
        if not state.has_local_settings() or settings.https_port is None:
            # Inside the container a host listener cannot be seen: ports containers publish can.
            published = published_host_ports()
            settings = with_free_ports(
                settings, self.home, state.name, published.__contains__, web_port_given=state.has_local_settings()
            )
        if not settings.environment_id:
            settings = dataclasses.replace(settings, environment_id=str(uuid.uuid4()))
        if settings.image_settings is None:  # fixed now: later jobs (a rollback too) build the same
            settings = dataclasses.replace(settings, image_settings=self.region().settings.image_settings)
        return settings

    def apply(self, record: EnvironmentRecord, report: Report) -> None:
        state = self.state(record.name)
        with state.lock():
            with self._ports, ports_lock(self.home):
                settings = self.settings_for(state)
                state.save_local_settings(settings)
            stack = EnvironmentStack.for_record(self.paths, state, self.naming, record)
            report("preparing")
            region = self.region()
            with s3_errors(region.endpoint()):
                staged = staged_configuration.stage(
                    record, region.client(), self.paths, state.directory / staged_configuration.CONTEXT_FOLDER
                )
            builds = stack.render(record, settings, staged)
            if not stack.image_current(record, builds.base):
                report("building the Airflow image")
                stack.build(lambda step: report(f"building the Airflow image: {step}"))
            if builds.configured is not None and not stack.configured_current(record, builds.configured):
                report("installing requirements.txt and plugins.zip")
                stack.build_configuration(lambda step: report(f"installing requirements.txt and plugins.zip: {step}"))
            stack.follow_version(record, report)
            report("applying the execution role")
            self.roles.apply(record, always=True)
            if self.log_groups is not None:
                self.log_groups.prepare(record)
            stack.start(start_timeout(), lambda readiness, _elapsed: report(starting(readiness)))

    def remove(self, name: str, report: Report) -> None:
        state = self.state(name)
        with state.lock():
            report("removing containers and volumes")
            EnvironmentStack(self.paths, state, self.naming).down(volumes=True)
            try:
                self.roles.remove(name)
            except MwaaLocalError as error:  # the S3 service is down: its user is harmless without the keys
                log.warning("Environment %s's S3 user was not removed: %s", name, error.message)

    def token_key(self, name: str) -> bytes:
        state = self.state(name)
        if not state.secrets_path.exists():
            raise ServiceUnavailableError(
                f"Environment {name} is not running yet: its web server has no keys.",
                hint="Wait until `aws mwaa get-environment` says AVAILABLE.",
            )
        return credentials.token_key(state)

    def call_rest_api(self, name: str, token: str, request: dict[str, Any]) -> dict[str, Any]:
        return edge_client.call_rest_api(self.home, self.naming.edge_host(name), name, token, request)

    def webserver_url(self, name: str) -> str:
        return render.webserver_url(self.state(name).local_settings())
