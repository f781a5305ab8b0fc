"""A compose project driven through the `docker compose` CLI (Compose v2)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from emulator.docker.engine import compose_command, inspect_containers, volume_keys


@dataclass(frozen=True)
class ServiceContainer:
    """One container of a project as `docker compose ps` reports it."""

    service: str
    name: str
    state: str  # running, exited, created, restarting, …
    health: str  # healthy, unhealthy, starting, or "" without a health check
    exit_code: int
    publishers: tuple[str, ...] = ()
    restarts: int = 0  # times the engine restarted it (restart policy)
    error: str = ""  # why the engine could not start it (a port taken, a mount missing …)
    id: str = ""  # the engine's id: compose renames a container it replaces, the id stays
    hostname: str = ""  # what Airflow records as a task instance's hostname
    restart_policy: str = ""  # the engine's restart policy (`no` on a worker being drained)
    health_test: tuple[str, ...] = ()  # its health check as the engine keeps it (["CMD", …])

    @property
    def ready(self) -> bool:
        return self.state == "running" and self.health in ("healthy", "")


# Where a project known only by name runs compose: a folder with no compose file above it,
# so compose works from the containers' labels alone.
NO_FILES_DIRECTORY = Path("/")


@dataclass(frozen=True)
class ComposeProject:
    name: str
    files: Sequence[Path] = ()
    env_file: Path | None = None
    profiles: Sequence[str] = field(default_factory=tuple)

    @classmethod
    def by_name(cls, name: str) -> ComposeProject:
        """The project as the engine knows it (by label), needing no rendered file: enough for
        `logs`, `ps`, `exec` and `down`, and what read-only commands use."""
        return cls(name)

    def with_profiles(self, *profiles: str) -> ComposeProject:
        """The same project with more profiles active (to build or run a service they hide)."""
        return replace(self, profiles=(*self.profiles, *profiles))

    @property
    def directory(self) -> Path | None:
        return None if self.files else NO_FILES_DIRECTORY

    def command(self, *arguments: str) -> list[str]:
        command = [*compose_command(), "--project-name", self.name]
        if self.env_file is not None:
            command += ["--env-file", str(self.env_file)]
        for file in self.files:
            command += ["--file", str(file)]
        for profile in self.profiles:
            command += ["--profile", profile]
        return command + list(arguments)

    def run(
        self, *arguments: str, capture: bool = True, check: bool = True, environ: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """A compose command; `environ` adds variables, which win over the env file's."""
        return subprocess.run(
            self.command(*arguments),
            capture_output=capture,
            text=True,
            check=check,
            cwd=self.directory,
            env={**os.environ, **environ} if environ else None,
        )

    def popen(self, *arguments: str, output: IO[str] | None = None) -> subprocess.Popen[str]:
        """Start a compose command; its output goes to `output`, or to a pipe to read."""
        return subprocess.Popen(
            self.command(*arguments),
            stdout=output if output is not None else subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=self.directory,
        )

    def services(self) -> list[str]:
        """The services the compose files define with the active profiles, but for those scaled
        to no container (a triggerer turned off): nothing to wait for. Needs the files."""
        defined = json.loads(self.run("config", "--format", "json").stdout).get("services") or {}
        return [name for name, service in defined.items() if (service.get("deploy") or {}).get("replicas") != 0]

    def created_services(self) -> list[str]:
        """The services that have containers, from the engine (needs no file)."""
        return sorted({container.service for container in self.containers()})

    def containers(self, service: str | None = None) -> list[ServiceContainer]:
        """The project's containers (or one service's), from the engine by label: unlike
        `compose ps`, this works whatever state the compose files and rendered settings are in."""
        labels = [f"com.docker.compose.project={self.name}"]
        if service is not None:
            labels.append(f"com.docker.compose.service={service}")
        return [from_inspect(attrs) for attrs in inspect_containers(*labels)]

    def volumes(self) -> set[str]:
        """The project's volumes that exist (by their keys in the compose file), from the engine:
        they outlive the containers after a `down` without --volumes."""
        return volume_keys(f"com.docker.compose.project={self.name}")


def published_ports(containers: list[ServiceContainer]) -> set[int]:
    """The host ports these containers publish (`127.0.0.1:8080->8080` → 8080)."""
    return {int(publisher.split("->", 1)[0].rsplit(":", 1)[-1]) for c in containers for publisher in c.publishers}


def from_inspect(attrs: dict[str, Any]) -> ServiceContainer:
    """A container as `docker inspect` describes it."""
    state = attrs.get("State") or {}
    publishers = []
    for target, bindings in sorted(((attrs.get("NetworkSettings") or {}).get("Ports") or {}).items()):
        for binding in bindings or []:
            publishers.append(f"{binding.get('HostIp') or '0.0.0.0'}:{binding['HostPort']}->{target.split('/')[0]}")
    return ServiceContainer(
        service=(attrs.get("Config") or {}).get("Labels", {}).get("com.docker.compose.service", ""),
        name=str(attrs.get("Name", "")).lstrip("/"),
        state=str(state.get("Status", "")),
        health=str((state.get("Health") or {}).get("Status", "")),
        exit_code=int(state.get("ExitCode") or 0),
        publishers=tuple(publishers),
        restarts=int(attrs.get("RestartCount") or 0),
        error=str(state.get("Error") or ""),
        id=str(attrs.get("Id", "")),
        hostname=str((attrs.get("Config") or {}).get("Hostname") or ""),
        restart_policy=str(((attrs.get("HostConfig") or {}).get("RestartPolicy") or {}).get("Name") or ""),
        health_test=tuple((((attrs.get("Config") or {}).get("Healthcheck") or {}).get("Test")) or ()),
    )
