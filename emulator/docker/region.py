"""The region project: the S3 service every environment on this machine reads its bucket from."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from minio import Minio

from emulator.docker import build, health_checks, images, ports, render, startup
from emulator.docker.compose import ComposeProject, published_ports
from emulator.docker.engine import inspect_containers
from emulator.model.account import DEFAULT_REGION
from emulator.model.errors import MwaaLocalError
from emulator.s3.client import make_client
from emulator.state.home import RegionSecrets, RegionState
from emulator.state.private_files import write_private
from emulator.state.settings import (
    API_PORT,
    CA_BUNDLE,
    NAMESPACE,
    S3_CONSOLE_PORT,
    S3_ENDPOINT,
    S3_PORT,
    Naming,
    Paths,
    ca_bundle,
)

S3_SERVICE = "s3"
CONTROL_PLANE_SERVICE = "control-plane"
CONTROL_PLANE_PYTHON = "3.12"
DOCKER_SOCKET = "/var/run/docker.sock"
HOME_LABEL = "org.mwaa-local.home"


class Region:
    def __init__(self, home: Path, paths: Paths) -> None:
        self.paths = paths
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

    @property
    def api_port(self) -> int:
        return self.settings.api_port

    def api_endpoint(self) -> str:
        """The MWAA API, for boto3 and the aws CLI (AWS_ENDPOINT_URL_MWAA)."""
        return f"http://127.0.0.1:{self.api_port}"

    def secrets(self) -> RegionSecrets:
        """The S3 service's credentials (StateError before the region's first `up`)."""
        return self.state.secrets()

    def configure_ports(self) -> None:
        """Ports from MWAA_LOCAL_S3_PORT / MWAA_LOCAL_S3_CONSOLE_PORT when set, else as kept."""
        changes: dict[str, Any] = {
            field: int(value)
            for field, setting in (("s3_port", S3_PORT), ("console_port", S3_CONSOLE_PORT), ("api_port", API_PORT))
            if (value := setting.get())
        }
        # Read again (the caller holds the region lock): an `up` that waited for it must not save
        # back the settings it loaded before another `up` fixed the region's images.
        self.settings = dataclasses.replace(self.state.settings(), **changes)
        self.state.save_settings(self.settings)

    def render(self, starting: bool = True) -> str:
        """Write the region's compose variables; returns the control plane's build hash. The `up`
        `starting` the control plane also names the images of environments created through the API."""
        secrets = self.state.create_secrets()
        if starting:
            self.settings = dataclasses.replace(self.settings, image_settings=images.image_settings())
            self.state.save_settings(self.settings)
        # The region's own images too come from its fixed settings: a command run from a shell
        # without the image mirror must not rebuild a running control plane from docker.io.
        chosen = self.settings.image_settings
        files = build.control_plane_files(self.paths)
        base_image = images.mirrored(images.python_base(CONTROL_PLANE_PYTHON), chosen)
        digest = build.hash_files(files, base_image)
        context = build.assemble_files(files, self.state.home / build.CONTEXTS_FOLDER / build.CONTROL_PLANE_CONTEXT)
        variables = {
            "MWAA_LOCAL_MINIO_IMAGE": images.mirrored(images.MINIO, chosen),
            "MWAA_LOCAL_S3_ACCESS_KEY": secrets.access_key,
            "MWAA_LOCAL_S3_SECRET_KEY": secrets.secret_key,
            "MWAA_LOCAL_S3_PORT": str(self.s3_port),
            "MWAA_LOCAL_S3_CONSOLE_PORT": str(self.console_port),
            "MWAA_LOCAL_REGION_NETWORK": self.naming.region_network,
            "MWAA_LOCAL_HOME": str(self.state.home),
            NAMESPACE.variable: self.naming.namespace,
            "MWAA_LOCAL_API_PORT": str(self.api_port),
            "MWAA_LOCAL_CONTROL_PLANE_HASH": digest,
            "MWAA_LOCAL_CONTROL_PLANE_CONTEXT": str(context),
            "MWAA_LOCAL_CONTROL_PLANE_BASE_IMAGE": base_image,
            **self.engine_access(),
            **self.passed_settings(),
        }
        write_private(self.env_file, render.env_file_text(variables))
        return digest

    def engine_access(self) -> dict[str, str]:
        """Who the control plane runs as (the state home's owner) and the engine socket it drives."""
        configured = os.environ.get("DOCKER_HOST", "")
        socket = configured.removeprefix("unix://") if configured.startswith("unix://") else DOCKER_SOCKET
        socket_group = os.stat(socket).st_gid if os.path.exists(socket) else 0
        return {
            "MWAA_LOCAL_UID": str(os.getuid()),
            "MWAA_LOCAL_GID": str(os.getgid()),
            "MWAA_LOCAL_DOCKER_GID": str(socket_group),
            "MWAA_LOCAL_DOCKER_SOCKET": socket,
        }

    def passed_settings(self) -> dict[str, str]:
        """The settings of this machine the control plane builds and starts environments with."""
        bundle = ca_bundle(self.paths)
        copy = ""
        if CA_BUNDLE.get():
            copy_path = self.state.directory / "ca-bundle.pem"
            write_private(copy_path, bundle.read_text())
            copy = str(copy_path)
        return {
            "MWAA_LOCAL_CA_BUNDLE_FILE": str(bundle),
            "MWAA_LOCAL_CA_BUNDLE_COPY": copy,
        }

    def check_owner(self) -> None:
        """The region is one per machine; refuse to take over one another state home runs."""
        for attrs in inspect_containers(f"com.docker.compose.project={self.naming.region_project}"):
            owner = ((attrs.get("Config") or {}).get("Labels") or {}).get(HOME_LABEL)
            if owner and owner != str(self.state.home):
                raise MwaaLocalError(
                    f"The region on this machine belongs to the mwaa-local state in {owner}.",
                    hint=f"Use MWAA_LOCAL_HOME={owner}, or stop that region first (`mwaa-local down` with it).",
                )

    def up(self, timeout: float, on_step: Callable[[str], None], on_progress: startup.Progress) -> None:
        self.check_owner()
        self.configure_ports()
        containers = self.project.containers()
        ports.check_free(
            [
                ports.HostPort(self.s3_port, "the S3 service", f"set {S3_PORT.variable}"),
                ports.HostPort(self.console_port, "the MinIO console", f"set {S3_CONSOLE_PORT.variable}"),
                ports.HostPort(self.api_port, "the MWAA API", f"set {API_PORT.variable}"),
            ],
            published_ports(containers),
        )
        running = any(c.service == CONTROL_PLANE_SERVICE and c.state == "running" for c in containers)
        digest = self.render(starting=not running)
        if build.image_hash(f"mwaa-local/control-plane:{digest}") != digest:
            build.build_image(self.project, CONTROL_PLANE_SERVICE, self.state.directory / "build.log", on_step)
        startup.start(self.project, [S3_SERVICE, CONTROL_PLANE_SERVICE], "region (S3, MWAA API)", timeout, on_progress)

    def down(self, volumes: bool) -> None:
        """Stop the region (by project name: no rendered file is read or written)."""
        project = ComposeProject.by_name(self.project.name)
        if not volumes and not project.containers():
            return
        project.run("down", *(["--volumes"] if volumes else []), capture=False)

    def endpoint(self) -> str:
        """The S3 service: from the host, or (in the control plane) from the region network."""
        return S3_ENDPOINT.get() or f"http://127.0.0.1:{self.s3_port}"

    def running(self) -> bool:
        return any(container.ready for container in health_checks.current(self.project.containers(S3_SERVICE)))

    def client(self) -> Minio:
        """A client of the S3 service from the host; MwaaLocalError when it is not running."""
        if not self.running():
            raise MwaaLocalError(
                "The S3 service is not running.",
                hint="Start the region and an environment with `mwaa-local up`.",
            )
        secrets = self.secrets()
        return make_client(self.endpoint(), secrets.access_key, secrets.secret_key, DEFAULT_REGION)
