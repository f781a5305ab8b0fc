"""The workspace checks (`test-requirements`, `test-startup-script`, `package-requirements`):
a throwaway container of the environment's Airflow image runs emulator/container/runtime/workspace_tools.py
with the workspace mounted; no environment, bucket or state is touched."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import docker.errors

from emulator.docker import images
from emulator.docker.engine import require_docker
from emulator.model.errors import MwaaLocalError
from emulator.model.record import EnvironmentRecord
from emulator.state.settings import Paths, ca_bundle

RUNTIME = ["/opt/mwaa-local/venv/bin/python", "-m", "emulator.container"]


def run_tool(
    paths: Paths,
    record: EnvironmentRecord,
    workspace: Path,
    arguments: list[str],
    emit: Callable[[str], None],
    writable: bool = False,
) -> int:
    """Run one tool in a container of the record's Airflow version; its exit code."""
    engine = require_docker()
    version = record.airflow_version.version
    image = images.airflow_image(version)
    try:
        engine.images.get(image)
    except docker.errors.ImageNotFound as error:
        raise MwaaLocalError(
            f"There is no image for Airflow {version} on this machine yet.",
            hint=f"`mwaa-local up --airflow-version {version}` builds it.",
        ) from error
    volumes = {
        str(workspace.resolve()): {"bind": "/workspace", "mode": "rw" if writable else "ro"},
        str(ca_bundle(paths).resolve()): {"bind": "/run/secrets/ca_bundle", "mode": "ro"},
    }
    # Files it writes into the workspace (downloaded wheels) belong to the user who asked.
    user = {"user": f"{os.getuid()}:{os.getgid()}", "environment": {"HOME": "/tmp"}} if writable else {}
    container = engine.containers.run(image, arguments, entrypoint=RUNTIME, volumes=volumes, detach=True, **user)
    try:
        pending = ""
        for chunk in container.logs(stream=True, follow=True):
            pending += chunk.decode(errors="replace")
            *lines, pending = pending.split("\n")
            for line in lines:
                emit(line)
        if pending:
            emit(pending)
        return int(container.wait()["StatusCode"])
    finally:
        container.remove(force=True)
