"""A compose project driven through the `docker compose` CLI (Compose v2)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any


@dataclass(frozen=True)
class ServiceContainer:
    """One container of a project as `docker compose ps` reports it."""

    service: str
    name: str
    state: str  # running, exited, created, restarting, …
    health: str  # healthy, unhealthy, starting, or "" without a health check
    exit_code: int
    publishers: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        return self.state == "running" and self.health in ("healthy", "")


@dataclass(frozen=True)
class ComposeProject:
    name: str
    files: Sequence[Path]
    env_file: Path | None = None
    profiles: Sequence[str] = field(default_factory=tuple)

    def command(self, *arguments: str) -> list[str]:
        command = ["docker", "compose", "--project-name", self.name]
        if self.env_file is not None:
            command += ["--env-file", str(self.env_file)]
        for file in self.files:
            command += ["--file", str(file)]
        for profile in self.profiles:
            command += ["--profile", profile]
        return command + list(arguments)

    def run(self, *arguments: str, capture: bool = True, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*arguments),
            capture_output=capture,
            text=True,
            check=check,
        )

    def popen(self, *arguments: str, output: IO[str] | None = None) -> subprocess.Popen[str]:
        """Start a compose command; its output goes to `output`, or to a pipe to read."""
        return subprocess.Popen(
            self.command(*arguments),
            stdout=output if output is not None else subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def services(self) -> list[str]:
        return self.run("config", "--services").stdout.split()

    def containers(self) -> list[ServiceContainer]:
        output = self.run("ps", "--all", "--format", "json").stdout
        return [to_container(entry) for entry in parse_ps(output)]


def parse_ps(output: str) -> list[dict[str, Any]]:
    """`docker compose ps --format json`: a JSON array (older v2) or one object per line."""
    text = output.strip()
    if not text:
        return []
    if text.startswith("["):
        return list(json.loads(text))
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def to_container(entry: dict[str, Any]) -> ServiceContainer:
    publishers = entry.get("Publishers") or []
    published = tuple(
        f"{item.get('URL') or '0.0.0.0'}:{item['PublishedPort']}->{item['TargetPort']}"
        for item in publishers
        if isinstance(item, dict) and item.get("PublishedPort")
    )
    return ServiceContainer(
        service=str(entry.get("Service", "")),
        name=str(entry.get("Name", "")),
        state=str(entry.get("State", "")),
        health=str(entry.get("Health", "")),
        exit_code=int(entry.get("ExitCode", 0) or 0),
        publishers=published,
    )
