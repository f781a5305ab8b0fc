"""Building the Airflow image when its inputs changed, with a readable error when it fails."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import docker.errors

from emulator.errors import ImageBuildError
from emulator.stack.compose import ComposeProject
from emulator.stack.docker_engine import client

HASH_LABEL = "org.mwaa-local.build-hash"
_STEP = re.compile(r"^#\d+ \[[^\]]+\] ")


# What the Dockerfile copies from the checkout (the versions data: only the built version's).
IMAGE_FILES = ("Dockerfile", ".dockerignore", "emulator/__init__.py")
IMAGE_FOLDERS = ("scripts/docker", "emulator/runtime", "emulator/sync")


def build_inputs(root: Path, airflow_version: str) -> list[Path]:
    files = [root / name for name in IMAGE_FILES]
    for folder in (*IMAGE_FOLDERS, f"emulator/versions/data/{airflow_version}"):
        files += [
            path
            for path in (root / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
        ]
    return sorted(files)


def build_hash(root: Path, airflow_version: str, *build_args: str) -> str:
    """A digest of everything the image is built from: files and build arguments."""
    digest = hashlib.sha256()
    for argument in (airflow_version, *build_args):
        digest.update(argument.encode() + b"\0")
    for path in build_inputs(root, airflow_version):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def image_hash(image: str) -> str | None:
    try:
        labels = client().images.get(image).labels or {}
    except docker.errors.ImageNotFound:
        return None
    return labels.get(HASH_LABEL)


def failing_step(output: str, limit: int = 40) -> str:
    """The part of a BuildKit log that says which step failed and why."""
    lines = output.splitlines()
    start = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].lstrip().startswith("> [")), None)
    if start is None:
        start = max(0, len(lines) - limit)
    excerpt = lines[start:]
    return "\n".join(excerpt[-limit:])


def build_image(project: ComposeProject, service: str, log_file: Path, on_step: Callable[[str], None]) -> None:
    """`docker compose build <service>` with plain progress; raises ImageBuildError on failure."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    process = project.popen("--progress", "plain", "build", service)
    assert process.stdout is not None
    lines = []
    with log_file.open("w") as log:
        for line in process.stdout:
            log.write(line)
            lines.append(line.rstrip("\n"))
            if _STEP.match(line):
                on_step(line.split("] ", 1)[-1].strip()[:100])
    if process.wait() != 0:
        raise ImageBuildError(
            "Building the Airflow image failed:\n" + failing_step("\n".join(lines)),
            hint=f"The whole build log is in {log_file}. Behind a TLS-intercepting proxy, set "
            "MWAA_LOCAL_CA_BUNDLE to your CA bundle; without a registry, see the README's offline section.",
        )
