"""Is there a Docker engine and Compose v2 to drive? Clear answers when there is not."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from functools import cache
from typing import Any

import docker
import docker.errors

from emulator.model.errors import DockerUnavailableError
from emulator.state.settings import COMPOSE_COMMAND

MINIMUM_COMPOSE = (2, 20, 0)
# How Compose v2 is run: the docker CLI's plugin on a user's machine; inside the control
# plane's container, which has no docker CLI, the standalone Compose v2 binary.


def compose_command() -> list[str]:
    return shlex.split(COMPOSE_COMMAND.get() or "docker compose")


@cache
def client() -> docker.DockerClient:
    """A client of the engine that answers, or DockerUnavailableError saying what to do."""
    if shutil.which(compose_command()[0]) is None:
        raise DockerUnavailableError(
            "The docker command is not installed.",
            hint="Install Docker (Docker Desktop, or Docker Engine with the compose plugin): https://docs.docker.com/get-docker/",
        )
    try:
        engine = docker.from_env(timeout=30)
        engine.ping()
    except (docker.errors.DockerException, OSError) as error:
        raise DockerUnavailableError(
            f"Cannot reach the Docker engine ({error}).",
            hint="Start Docker (Docker Desktop, or `sudo systemctl start docker`) and check `docker info` answers.",
        ) from error
    return engine


def inspect_containers(label: str, *more_labels: str) -> list[dict[str, Any]]:
    """`docker inspect` of every container with these labels, skipping any removed between the
    list and its inspect: compose recreates containers while others watch them."""
    api = client().api
    found = []
    for summary in api.containers(all=True, filters={"label": [label, *more_labels]}):
        try:
            found.append(api.inspect_container(summary["Id"]))
        except docker.errors.NotFound:
            continue
    return found


def volume_keys(label: str) -> set[str]:
    """The compose keys (`postgres`, not `<project>_postgres`) of the volumes with this label."""
    volumes = client().api.volumes(filters={"label": label}).get("Volumes") or []
    return {(volume.get("Labels") or {}).get("com.docker.compose.volume", "") for volume in volumes} - {""}


def published_host_ports() -> set[int]:
    """The host ports any running container publishes."""
    return {
        int(port["PublicPort"])
        for summary in client().api.containers()
        for port in summary.get("Ports") or []
        if port.get("PublicPort")
    }


def parse_version(text: str) -> tuple[int, ...] | None:
    found = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(part) for part in found.groups()) if found else None


@cache
def compose_version() -> tuple[int, ...]:
    """The Compose v2 version `docker compose` runs; DockerUnavailableError without one."""
    probe = subprocess.run([*compose_command(), "version", "--short"], capture_output=True, text=True)
    version = parse_version(probe.stdout) if probe.returncode == 0 else None
    if version is None:
        legacy = shutil.which("docker-compose")
        found = ""
        if legacy:
            answer = subprocess.run([legacy, "version", "--short"], capture_output=True, text=True)
            found = f" Found docker-compose {answer.stdout.strip() or 'of unknown version'}, which is Compose v1."
        raise DockerUnavailableError(
            "Docker Compose v2 (`docker compose`) is not available." + found,
            hint="Install the Compose v2 plugin (package docker-compose-plugin, or Docker Desktop); "
            "Compose v1 (docker-compose) is not supported.",
        )
    if version < MINIMUM_COMPOSE:
        shown = ".".join(map(str, version))
        needed = ".".join(map(str, MINIMUM_COMPOSE))
        raise DockerUnavailableError(
            f"Docker Compose {shown} is too old; mwaa-local needs {needed} or later.",
            hint="Update the Compose plugin (docker-compose-plugin) or Docker Desktop.",
        )
    return version


def require_docker() -> docker.DockerClient:
    engine = client()
    compose_version()
    return engine
