"""Is there a Docker engine and Compose v2 to drive? Clear answers when there is not."""

from __future__ import annotations

import contextlib
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
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


def image_labels(image: str) -> dict[str, str] | None:
    """The labels of a local image; None when there is no such image."""
    try:
        return dict(client().images.get(image).labels or {})
    except docker.errors.ImageNotFound:
        return None


def image_id(image: str) -> str | None:
    """A local image's ID; None when there is no such image."""
    try:
        return str(client().images.get(image).id)
    except docker.errors.ImageNotFound:
        return None


def remove_image(image: str) -> None:
    """Untag an image if it is there (its layers stay for other tags and the build cache)."""
    with contextlib.suppress(docker.errors.ImageNotFound):
        require_docker().images.remove(image, force=True, noprune=True)


def remove_container(container_id: str) -> bool:
    """Remove a stopped container; False when it is already gone."""
    try:
        client().api.remove_container(container_id)
    except docker.errors.NotFound:
        return False
    return True


def exec_exit_code(container_id: str, command: list[str]) -> int | None:
    """Run a command in a running container and wait for it: its exit code, or None when the
    container stopped or is being replaced."""
    api = client().api
    try:
        run = api.exec_create(container_id, command)["Id"]
        api.exec_start(run)
        code = api.exec_inspect(run).get("ExitCode")
    except docker.errors.APIError:
        return None
    return int(code) if code is not None else None


def exec_output(container_id: str, command: list[str]) -> str | None:
    """Run a command in a running container: its standard output, or None when it failed or the
    container is gone."""
    try:
        exit_code, output = client().containers.get(container_id).exec_run(command, stderr=False)
    except docker.errors.APIError:
        return None
    return output.decode(errors="replace") if exit_code == 0 else None


def running_containers(label: str) -> list[dict[str, Any]]:
    """The engine's summaries (Id, Labels, NetworkSettings, …) of the running containers with
    this label: one list call, no inspect."""
    return list(client().api.containers(filters={"label": label, "status": "running"}))


def container_usage(container_id: str) -> tuple[float, int] | None:
    """A running container's CPU time so far (seconds) and the memory it uses (bytes, its page
    cache left out as `docker stats` does); None when it is gone. One reading, not a stream."""
    try:
        stats = client().api.stats(container_id, stream=False, one_shot=True)
    except docker.errors.APIError:
        return None
    cpu = ((stats.get("cpu_stats") or {}).get("cpu_usage") or {}).get("total_usage")
    memory = stats.get("memory_stats") or {}
    if cpu is None or "usage" not in memory:
        return None
    details = memory.get("stats") or {}
    cache = details.get("inactive_file", details.get("total_inactive_file", details.get("cache", 0)))
    return cpu / 1e9, max(0, int(memory["usage"]) - int(cache))


def follow_logs(container_id: str, since: int) -> Iterator[tuple[float, str]]:
    """Each line a container prints from `since` (epoch seconds) on, with the engine's time of
    it; ends when the container stops or is removed."""
    pending = b""
    try:
        for chunk in client().api.logs(container_id, stream=True, follow=True, timestamps=True, since=since):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                stamp, _, text = line.decode(errors="replace").partition(" ")
                yield engine_time(stamp), text.rstrip("\r")
    except docker.errors.NotFound:
        return


def engine_time(stamp: str) -> float:
    """The engine's RFC 3339 time with nanoseconds (`2026-12-05T03:12:04.123456789Z`) in epoch
    seconds; now when it is not one."""
    found = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z", stamp)
    if found is None:
        return time.time()
    whole = datetime.strptime(found[1], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp()
    return whole + float(f"0.{found[2] or 0}")


def run_streaming(
    image: str, arguments: list[str], emit: Callable[[str], None], commit_as: str | None = None, **options: Any
) -> int:
    """Run a throwaway container of `image`, emit its output line by line as it comes, and
    remove it: its exit code. On success, `commit_as` tags what it left as an image.
    `options` are the SDK's run options (entrypoint, volumes, user…)."""
    container = require_docker().containers.run(image, arguments, detach=True, **options)
    try:
        pending = ""
        for chunk in container.logs(stream=True, follow=True):
            pending += chunk.decode(errors="replace")
            *lines, pending = pending.split("\n")
            for line in lines:
                emit(line)
        if pending:
            emit(pending)
        code = int(container.wait()["StatusCode"])
        if code == 0 and commit_as:
            repository, _, tag = commit_as.rpartition(":")
            container.commit(repository=repository, tag=tag)
        return code
    finally:
        container.remove(force=True)


def image_tags(repository: str) -> list[str]:
    """Every local `repository:tag` of one repository."""
    return [tag for image in client().images.list(name=repository) for tag in image.tags]


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
