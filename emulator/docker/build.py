"""Building the Airflow image when its inputs changed, with a readable error when it fails."""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from emulator.docker.compose import ComposeProject
from emulator.docker.engine import image_labels
from emulator.model.errors import ImageBuildError
from emulator.state.settings import DATA_FOLDER, Paths

HASH_LABEL = "org.mwaa-local.build-hash"
_STEP = re.compile(r"^#\d+ \[[^\]]+\] ")


# What the Dockerfile copies (the versions data: only the built version's). Paths starting with
# `emulator/` come from the package's own folder, the others from the checkout (or the copies
# an installed wheel keeps in emulator/_data): see settings.Paths.
# The container side imports these modules of the model and no other (a unit test checks it).
CONTAINER_MODEL_FILES = tuple(
    f"emulator/model/{name}.py"
    for name in (
        "__init__",
        "configuration_files",
        "container_contract",
        "request_size",
        "reserved",
        "sync_plan",
        "tokens",
    )
)
IMAGE_FILES = ("Dockerfile", ".dockerignore", "emulator/__init__.py", *CONTAINER_MODEL_FILES)
IMAGE_FOLDERS = ("scripts/docker", "emulator/container")
CONTEXTS_FOLDER = "build"


def _origin(paths: Paths, name: str) -> Path:
    return paths.sources if name.split("/", 1)[0] == "emulator" else paths.root


def image_files(source: Path | Paths, airflow_version: str) -> dict[str, Path]:
    """Every file the image is built from, by its path in the build context, in the order the
    build hash reads them. `source` is a checkout, an assembled build context, or Paths."""
    paths = source if isinstance(source, Paths) else Paths(source)
    files = {name: _origin(paths, name) / name for name in IMAGE_FILES}
    files.update(_folder_files(paths, (*IMAGE_FOLDERS, f"emulator/model/versions/data/{airflow_version}")))
    return dict(sorted(files.items(), key=lambda item: PurePosixPath(item[0]).parts))


# The control plane's image: the whole package, as a checkout lays it out (settings.Paths).
CONTROL_PLANE_FILES = ("Dockerfile",)
CONTROL_PLANE_FOLDERS = ("compose", "scripts/docker", "emulator")
CONTROL_PLANE_CONTEXT = "control-plane"
CONTROL_PLANE_DOCKERIGNORE = "airflow-image.dockerignore"


def _folder_files(paths: Paths, folders: tuple[str, ...]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for folder in folders:
        base = _origin(paths, folder)
        for path in (base / folder).rglob("*"):
            name = path.relative_to(base)
            skipped = "__pycache__" in name.parts or path.suffix == ".pyc" or DATA_FOLDER in name.parts
            if path.is_file() and not skipped:
                files[name.as_posix()] = path
    return files


def control_plane_files(source: Path | Paths) -> dict[str, Path]:
    """Every file the control plane's image is built from, by its path in the build context."""
    paths = source if isinstance(source, Paths) else Paths(source)
    files = {name: _origin(paths, name) / name for name in CONTROL_PLANE_FILES}
    # The Airflow image's .dockerignore, under a name that does not filter this build's context.
    files[CONTROL_PLANE_DOCKERIGNORE] = paths.root / ".dockerignore"
    files.update(_folder_files(paths, CONTROL_PLANE_FOLDERS))
    return dict(sorted(files.items(), key=lambda item: PurePosixPath(item[0]).parts))


def build_inputs(source: Path | Paths, airflow_version: str) -> list[Path]:
    return list(image_files(source, airflow_version).values())


def build_hash(source: Path | Paths, airflow_version: str, *build_args: str) -> str:
    """A digest of everything the image is built from: files (by their path in the build
    context, so a checkout, an installed wheel and an assembled context agree) and build arguments."""
    return hash_files(image_files(source, airflow_version), airflow_version, *build_args)


def hash_files(files: dict[str, Path], *build_args: str) -> str:
    """A digest of build arguments and files (by name and bytes)."""
    digest = hashlib.sha256()
    for argument in build_args:
        digest.update(argument.encode() + b"\0")
    for name, path in files.items():
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def context_folder(home: Path, airflow_version: str) -> Path:
    """Where `up` assembles the build context of a version's image, under the state home."""
    return home / CONTEXTS_FOLDER / airflow_version


def _holds(folder: Path, files: dict[str, Path]) -> bool:
    """Whether `folder` holds exactly `files` (same names, same bytes, same executable bits)."""
    if not folder.is_dir():
        return False
    present = {path.relative_to(folder).as_posix() for path in folder.rglob("*") if not path.is_dir()}
    if present != set(files):
        return False
    return all(
        (folder / name).read_bytes() == source.read_bytes()
        and (folder / name).stat().st_mode & 0o111 == source.stat().st_mode & 0o111
        for name, source in files.items()
    )


def assemble_context(source: Path | Paths, airflow_version: str, target: Path) -> Path:
    """Make `target` hold exactly the files the image is built from, copied from the checkout
    or the installed package: the build then never depends on where mwaa-local lives (and never
    writes into it)."""
    return assemble_files(image_files(source, airflow_version), target)


def assemble_files(files: dict[str, Path], target: Path) -> Path:
    """Make `target` hold exactly `files` (by their path in it). Kept as it is when already
    current; else assembled beside it and swapped in."""
    if _holds(target, files):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    stale = target.with_name(f".{target.name}-old-{uuid.uuid4().hex[:8]}")
    try:
        scratch.chmod(0o755)
        for name, path in files.items():
            destination = scratch / name
            for folder in reversed(destination.relative_to(scratch).parents[:-1]):
                (scratch / folder).mkdir(mode=0o755, exist_ok=True)
            shutil.copyfile(path, destination)
            destination.chmod(0o755 if path.stat().st_mode & 0o111 else 0o644)
        if target.exists():
            with contextlib.suppress(FileNotFoundError):  # another `up` swapped it out first
                target.rename(stale)
        with contextlib.suppress(OSError):  # another `up` put the same files in place first
            scratch.rename(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(stale, ignore_errors=True)
    if not _holds(target, files):
        raise ImageBuildError(
            f"The image's build context in {target} could not be assembled.",
            hint=f"Remove {target.parent} and run mwaa-local up again.",
        )
    return target


def image_hash(image: str) -> str | None:
    labels = image_labels(image)
    return None if labels is None else labels.get(HASH_LABEL)


def failing_step(output: str, limit: int = 40) -> str:
    """The part of a BuildKit log that says which step failed and why."""
    lines = output.splitlines()
    start = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].lstrip().startswith("> [")), None)
    if start is None:
        start = max(0, len(lines) - limit)
    excerpt = lines[start:]
    return "\n".join(excerpt[-limit:])


_LOG_PREFIX = re.compile(r"^#\d+ \d+\.\d+ ")


def step_errors(output: str, limit: int = 8) -> list[str]:
    """The `ERROR:` lines a build step printed, without BuildKit's prefixes (the last `limit`)."""
    found = []
    for line in output.splitlines():
        text = _LOG_PREFIX.sub("", line).strip()
        if "ERROR:" in text and not text.startswith("#") and text not in found:  # not BuildKit's own
            found.append(text)
    return found[-limit:]


def build_image(
    project: ComposeProject,
    service: str,
    log_file: Path,
    on_step: Callable[[str], None],
    what: str = "the Airflow image",
) -> None:
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
            f"Building {what} failed:\n" + failing_step("\n".join(lines)),
            hint=f"The whole build log is in {log_file}. Behind a TLS-intercepting proxy, set "
            "MWAA_LOCAL_CA_BUNDLE to your CA bundle; without a registry, see docs/offline-and-ci.md.",
        )
