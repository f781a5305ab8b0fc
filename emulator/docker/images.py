"""Names of the container images an environment uses, and where they come from.

Third-party images are named as their publishers name them. `MWAA_LOCAL_IMAGE_MIRROR` puts a
prefix in front of every one of them: a registry mirror (`registry.example.com/hub/`) or, on a
machine with no registry at all, the stand-ins that `scripts/offline-images` builds
(`mwaa-local-offline/`). Nothing else changes between an online and an offline stack.
"""

from __future__ import annotations

from collections.abc import Mapping

from emulator.docker.engine import remove_image
from emulator.state.settings import IMAGE_MIRROR, PYTHON_IMAGE

OFFLINE_MIRROR = "mwaa-local-offline/"

POSTGRES = "postgres:15-bookworm"
REDIS = "redis:7.2-bookworm"
MINIO = "minio/minio:RELEASE.2025-04-22T22-12-26Z"
AIRFLOW_REPOSITORY = "mwaa-local/airflow"


def python_base(python_minor: str) -> str:
    """The official slim Python image of one minor version (`3.12` → `python:3.12-slim-bookworm`)."""
    return f"python:{python_minor}-slim-bookworm"


def mirrored(image: str, environ: Mapping[str, str] | None = None) -> str:
    """`image` as it is pulled on this machine, with the configured mirror prefix."""
    mirror = IMAGE_MIRROR.get(environ) or ""
    return f"{mirror}{image}"


def python_image(python_minor: str, environ: Mapping[str, str] | None = None) -> str:
    """The base of the Airflow image: `MWAA_LOCAL_PYTHON_IMAGE` when set (a hardened or
    pre-configured Python image of the same minor version), else the mirrored official one."""
    configured = PYTHON_IMAGE.get(environ)
    return configured or mirrored(python_base(python_minor), environ)


def image_settings(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables that pick this machine's images (the mirror, the Python base) that are set."""
    chosen = {setting.variable: setting.get(environ) for setting in (IMAGE_MIRROR, PYTHON_IMAGE)}
    return {variable: value for variable, value in chosen.items() if value}


def airflow_image(airflow_version: str) -> str:
    """The locally built image of an Airflow version: every component of an environment of this
    version runs it, or the configured image built on it."""
    return f"{AIRFLOW_REPOSITORY}:{airflow_version}"


def configured_image(airflow_version: str, configuration_hash: str) -> str:
    """The version's image with one configuration's requirements, plugins and startup script."""
    return f"{AIRFLOW_REPOSITORY}:{airflow_version}-{configuration_hash}"


def forget(image: str) -> None:
    """Untag an image (if present), so its next use builds it again (`up --build`)."""
    remove_image(image)
