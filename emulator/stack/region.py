"""The region project: the S3 service every environment on this machine reads its bucket from."""

from __future__ import annotations

import os
from pathlib import Path

from minio import Minio

from emulator import images
from emulator.environments.state import RegionSecrets, RegionState, write_private
from emulator.errors import MwaaLocalError
from emulator.settings import DEFAULT_REGION, REGION_NETWORK, REGION_PROJECT, Paths
from emulator.stack import ports, render, startup
from emulator.stack.compose import ComposeProject

S3_PORT_VARIABLE = "MWAA_LOCAL_S3_PORT"
S3_CONSOLE_PORT_VARIABLE = "MWAA_LOCAL_S3_CONSOLE_PORT"
S3_SERVICE = "s3"


class Region:
    def __init__(self, home: Path, paths: Paths) -> None:
        self.state = RegionState(home)
        self.env_file = self.state.directory / "compose.env"
        self.project = ComposeProject(REGION_PROJECT, [paths.region_compose], self.env_file)

    @property
    def s3_port(self) -> int:
        return int(os.environ.get(S3_PORT_VARIABLE, "9000"))

    @property
    def console_port(self) -> int:
        return int(os.environ.get(S3_CONSOLE_PORT_VARIABLE, "9001"))

    def secrets(self) -> RegionSecrets:
        return self.state.secrets()

    def render(self) -> None:
        secrets = self.secrets()
        variables = {
            "MWAA_LOCAL_MINIO_IMAGE": images.mirrored(images.MINIO),
            "MWAA_LOCAL_S3_ACCESS_KEY": secrets.access_key,
            "MWAA_LOCAL_S3_SECRET_KEY": secrets.secret_key,
            "MWAA_LOCAL_S3_PORT": str(self.s3_port),
            "MWAA_LOCAL_S3_CONSOLE_PORT": str(self.console_port),
            "MWAA_LOCAL_REGION_NETWORK": REGION_NETWORK,
        }
        write_private(self.env_file, render.env_file_text(variables))

    def published(self) -> set[int]:
        if not self.env_file.exists():
            return set()
        found: set[int] = set()
        for container in self.project.containers():
            found |= ports.published_ports(container.publishers)
        return found

    def up(self, timeout: float) -> None:
        self.render()
        ports.check_free(
            [
                ports.HostPort(self.s3_port, "the S3 service", f"set {S3_PORT_VARIABLE}"),
                ports.HostPort(self.console_port, "the MinIO console", f"set {S3_CONSOLE_PORT_VARIABLE}"),
            ],
            self.published(),
        )
        startup.start(self.project, [S3_SERVICE], "region (S3 service)", timeout)

    def down(self, volumes: bool) -> None:
        if self.env_file.exists():
            self.project.run("down", *(["--volumes"] if volumes else []), capture=False)

    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def running(self) -> bool:
        return self.env_file.exists() and any(
            container.service == S3_SERVICE and container.ready for container in self.project.containers()
        )

    def client(self) -> Minio:
        """A client of the S3 service from the host; MwaaLocalError when it is not running."""
        if not self.running():
            raise MwaaLocalError(
                "The S3 service is not running.",
                hint="Start the region and an environment with `mwaa-local up`.",
            )
        secrets = self.secrets()
        return Minio(
            f"127.0.0.1:{self.s3_port}",
            access_key=secrets.access_key,
            secret_key=secrets.secret_key,
            secure=False,
            region=DEFAULT_REGION,
        )
