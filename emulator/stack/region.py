"""The region project: the S3 service every environment on this machine reads its bucket from."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from minio import Minio

from emulator import images
from emulator.environments.private_files import write_private
from emulator.environments.state import RegionSecrets, RegionState
from emulator.errors import MwaaLocalError
from emulator.settings import DEFAULT_REGION, Naming, Paths
from emulator.stack import ports, render, startup
from emulator.stack.compose import ComposeProject, published_ports
from emulator.stack.docker_engine import inspect_containers
from emulator.sync.client import make_client

S3_PORT_VARIABLE = "MWAA_LOCAL_S3_PORT"
S3_CONSOLE_PORT_VARIABLE = "MWAA_LOCAL_S3_CONSOLE_PORT"
S3_SERVICE = "s3"
HOME_LABEL = "org.mwaa-local.home"


class Region:
    def __init__(self, home: Path, paths: Paths) -> None:
        self.state = RegionState(home)
        self.naming = Naming.for_home(home)
        self.env_file = self.state.directory / "compose.env"
        self.project = ComposeProject(self.naming.region_project, [paths.region_compose], self.env_file)
        self.settings = self.state.settings()

    @property
    def s3_port(self) -> int:
        return self.settings.s3_port

    @property
    def console_port(self) -> int:
        return self.settings.console_port

    def secrets(self) -> RegionSecrets:
        """The S3 service's credentials (StateError before the region's first `up`)."""
        return self.state.secrets()

    def configure_ports(self) -> None:
        """Ports from MWAA_LOCAL_S3_PORT / MWAA_LOCAL_S3_CONSOLE_PORT when set, else as kept."""
        changes = {
            field: int(os.environ[variable])
            for field, variable in (("s3_port", S3_PORT_VARIABLE), ("console_port", S3_CONSOLE_PORT_VARIABLE))
            if os.environ.get(variable)
        }
        self.settings = dataclasses.replace(self.settings, **changes)
        self.state.save_settings(self.settings)

    def render(self) -> None:
        secrets = self.state.create_secrets()
        variables = {
            "MWAA_LOCAL_MINIO_IMAGE": images.mirrored(images.MINIO),
            "MWAA_LOCAL_S3_ACCESS_KEY": secrets.access_key,
            "MWAA_LOCAL_S3_SECRET_KEY": secrets.secret_key,
            "MWAA_LOCAL_S3_PORT": str(self.s3_port),
            "MWAA_LOCAL_S3_CONSOLE_PORT": str(self.console_port),
            "MWAA_LOCAL_REGION_NETWORK": self.naming.region_network,
            "MWAA_LOCAL_HOME": str(self.state.home),
        }
        write_private(self.env_file, render.env_file_text(variables))

    def check_owner(self) -> None:
        """The region is one per machine; refuse to take over one another state home runs."""
        for attrs in inspect_containers(f"com.docker.compose.project={self.naming.region_project}"):
            owner = ((attrs.get("Config") or {}).get("Labels") or {}).get(HOME_LABEL)
            if owner and owner != str(self.state.home):
                raise MwaaLocalError(
                    f"The region on this machine belongs to the mwaa-local state in {owner}.",
                    hint=f"Use MWAA_LOCAL_HOME={owner}, or stop that region first (`mwaa-local down` with it).",
                )

    def up(self, timeout: float) -> None:
        self.check_owner()
        self.configure_ports()
        ports.check_free(
            [
                ports.HostPort(self.s3_port, "the S3 service", f"set {S3_PORT_VARIABLE}"),
                ports.HostPort(self.console_port, "the MinIO console", f"set {S3_CONSOLE_PORT_VARIABLE}"),
            ],
            published_ports(self.project.containers()),
        )
        self.render()
        startup.start(self.project, [S3_SERVICE], "region (S3 service)", timeout)

    def down(self, volumes: bool) -> None:
        """Stop the region (by project name: no rendered file is read or written)."""
        project = ComposeProject.by_name(self.project.name)
        if not volumes and not project.containers():
            return
        project.run("down", *(["--volumes"] if volumes else []), capture=False)

    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def running(self) -> bool:
        return any(container.service == S3_SERVICE and container.ready for container in self.project.containers())

    def client(self) -> Minio:
        """A client of the S3 service from the host; MwaaLocalError when it is not running."""
        if not self.running():
            raise MwaaLocalError(
                "The S3 service is not running.",
                hint="Start the region and an environment with `mwaa-local up`.",
            )
        secrets = self.secrets()
        return make_client(self.endpoint(), secrets.access_key, secrets.secret_key, DEFAULT_REGION)
