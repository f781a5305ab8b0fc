"""The workspace checks (`test-requirements`, `test-startup-script`, `package-requirements`):
a throwaway container of the environment's Airflow image runs emulator/container/runtime/workspace_tools.py
with the workspace mounted; no environment, bucket or state is touched."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from emulator.docker import images
from emulator.docker.engine import image_labels, require_docker, run_streaming
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
    require_docker()
    version = record.airflow_version.version
    image = images.airflow_image(version)
    if image_labels(image) is None:
        raise MwaaLocalError(
            f"There is no image for Airflow {version} on this machine yet.",
            hint=f"`mwaa-local up --airflow-version {version}` builds it.",
        )
    volumes = {
        str(workspace.resolve()): {"bind": "/workspace", "mode": "rw" if writable else "ro"},
        str(ca_bundle(paths).resolve()): {"bind": "/run/secrets/ca_bundle", "mode": "ro"},
    }
    # Files it writes into the workspace (downloaded wheels) belong to the user who asked.
    user = {"user": f"{os.getuid()}:{os.getgid()}", "environment": {"HOME": "/tmp"}} if writable else {}
    return run_streaming(image, arguments, emit, entrypoint=RUNTIME, volumes=volumes, **user)
