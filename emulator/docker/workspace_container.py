"""The workspace checks (`parse`, `test-requirements`, `test-startup-script`,
`package-requirements`): a throwaway container of the environment's Airflow image runs
emulator/container/runtime/workspace_tools.py (or dag_parse.py) with the workspace mounted; no
environment, bucket or state is touched."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from emulator.docker import build, images
from emulator.docker.engine import image_id, image_labels, image_tags, remove_image, require_docker, run_streaming
from emulator.model.configuration_files import requirement_lines
from emulator.model.container_contract import AIRFLOW_PYTHON, CONTAINER_SOURCE
from emulator.model.errors import MwaaLocalError
from emulator.model.record import EnvironmentRecord
from emulator.state.settings import Paths, ca_bundle

RUNTIME = ["/opt/mwaa-local/venv/bin/python", "-m", "emulator.container"]
# The DAG import runs on Airflow's interpreter, which finds the container side's code here.
PARSER = [AIRFLOW_PYTHON, "-m", "emulator.container.runtime.dag_parse"]
PARSE_TAG = "parse-"
Emit = Callable[[str], None]


def version_image(paths: Paths, record: EnvironmentRecord) -> str:
    """The record's Airflow image, as this mwaa-local builds it; an error that says how to get
    it when it is missing or was built from other files (an older mwaa-local)."""
    require_docker()
    version = record.airflow_version
    image = images.airflow_image(version.version)
    current = build.build_hash(paths, version.version, version.python, images.python_image(version.python))
    found = build.image_hash(image)
    if found != current:
        state = "no image" if found is None else "only an image built by another mwaa-local"
        raise MwaaLocalError(
            f"There is {state} for Airflow {version.version} on this machine.",
            hint=f"`mwaa-local up --airflow-version {version.version}` builds it (once).",
        )
    return image


def run_tool(
    paths: Paths,
    record: EnvironmentRecord,
    workspace: Path,
    arguments: list[str],
    emit: Emit,
    writable: bool = False,
    image: str | None = None,
    entrypoint: list[str] = RUNTIME,
    environment: dict[str, str] | None = None,
    commit_as: str | None = None,
) -> int:
    """Run one tool in a container of the record's Airflow version (or `image`); its exit code."""
    volumes = {
        str(workspace.resolve()): {"bind": "/workspace", "mode": "rw" if writable else "ro"},
        str(ca_bundle(paths).resolve()): {"bind": "/run/secrets/ca_bundle", "mode": "ro"},
    }
    variables = dict(environment or {})
    user = {}
    if writable:  # files it writes into the workspace (downloaded wheels) belong to the user who asked
        user = {"user": f"{os.getuid()}:{os.getgid()}"}
        variables["HOME"] = "/tmp"
    return run_streaming(
        image or version_image(paths, record),
        arguments,
        emit,
        commit_as=commit_as,
        entrypoint=entrypoint,
        volumes=volumes,
        environment=variables,
        **user,
    )


def requirements_digest(base_image_id: str, workspace: Path) -> str:
    """What a parse image depends on: the Airflow image, requirements.txt, and the packages in
    plugins/ that `--find-links /usr/local/airflow/plugins` would offer pip."""
    digest = hashlib.sha256(base_image_id.encode())
    digest.update((workspace / "requirements.txt").read_bytes())
    plugins = workspace / "plugins"
    if plugins.is_dir():
        for package in sorted(plugins.rglob("*")):
            if package.name.endswith((".whl", ".tar.gz", ".zip")) and package.is_file():
                digest.update(f"{package.relative_to(plugins)}:{package.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def has_requirements(workspace: Path) -> bool:
    found = workspace / "requirements.txt"
    return found.is_file() and bool(requirement_lines(found.read_text(errors="replace")))


def parse_image(paths: Paths, record: EnvironmentRecord, workspace: Path, emit: Emit) -> str | None:
    """The image `parse` imports DAGs in: the version's image, with requirements.txt installed
    as an update would install it. That install is kept as an image per requirements (only
    the newest per version), so a parse after the first costs no pip run. None when pip failed
    (its output emitted)."""
    base = version_image(paths, record)
    if not has_requirements(workspace):
        return base
    version = record.airflow_version.version
    tag = f"{images.AIRFLOW_REPOSITORY}:{version}-{PARSE_TAG}{requirements_digest(image_id(base) or base, workspace)}"
    if image_labels(tag) is not None:
        return tag
    emit(f"Installing requirements.txt for Airflow {version} (kept for the next parse)…")
    if run_tool(paths, record, workspace, ["test-requirements"], emit, image=base, commit_as=tag) != 0:
        return None
    for older in image_tags(images.AIRFLOW_REPOSITORY):
        if older.startswith(f"{images.AIRFLOW_REPOSITORY}:{version}-{PARSE_TAG}") and older != tag:
            remove_image(older)
    return tag


def parse_dags(paths: Paths, record: EnvironmentRecord, workspace: Path, emit: Emit, variables: dict[str, str]) -> int:
    """`parse`: 0 when every DAG file imports, 1 when one does not (or requirements.txt does not
    install)."""
    image = parse_image(paths, record, workspace, emit)
    if image is None:
        return 1
    # Airflow 2.10 warns that it reads its own deprecated option name: noise in a report.
    quiet = "ignore::FutureWarning:airflow.configuration"
    environment = {**variables, "PYTHONPATH": CONTAINER_SOURCE, "PYTHONWARNINGS": quiet}
    return run_tool(paths, record, workspace, [], emit, image=image, entrypoint=PARSER, environment=environment)
