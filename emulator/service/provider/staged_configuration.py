"""requirements.txt, plugins.zip and the startup script, read from the bucket only at
CreateEnvironment and UpdateEnvironment, by object version (docs/reference.md §12.3).

At request time `resolve` checks that each named object version exists (MWAA's `Unable to read
version … of file …` otherwise) and fixes the version of a path given without one to the
object's current version, so a later upload changes nothing until an update names it. At job
time `stage` downloads exactly those versions into a build context for the configured image,
refusing a corrupt zip or a requirement against MWAA's essential pins before anything builds.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minio import Minio
from minio.error import S3Error

from emulator.docker.build import assemble_files
from emulator.model import configuration_files
from emulator.model.errors import EnvironmentConfigError
from emulator.model.record import EnvironmentRecord, build_record
from emulator.state.settings import Paths

MISSING = ("NoSuchKey", "NoSuchVersion", "NoSuchObject", "InvalidArgument")
CONTEXT_FOLDER = "configuration"  # in the environment's state folder


@dataclass(frozen=True)
class FileKind:
    kind: str  # a key of emulator.model.configuration_files.FILES
    path_member: str
    version_member: str
    default_key: str


KINDS = (
    FileKind("requirements", "RequirementsS3Path", "RequirementsS3ObjectVersion", "requirements.txt"),
    FileKind("plugins", "PluginsS3Path", "PluginsS3ObjectVersion", "plugins.zip"),
    FileKind("startup", "StartupScriptS3Path", "StartupScriptS3ObjectVersion", "startup.sh"),
)


@dataclass(frozen=True)
class Configuration:
    """A staged configuration: its build context and a digest of everything in it."""

    digest: str
    context: Path
    manifest: dict[str, dict[str, str]]


def _unreadable(version: str | None, key: str) -> EnvironmentConfigError:
    if version:
        return EnvironmentConfigError(
            f"Unable to read version {version} of file {key}",
            hint=f"List the versions that exist with `aws s3api list-object-versions --prefix {key}`.",
        )
    return EnvironmentConfigError(
        f"Unable to read file {key}", hint="Upload it first (`mwaa-local deploy` or `aws s3 cp`)."
    )


def current_version(client: Minio, bucket: str, key: str, version: str | None = None) -> str:
    """The version id of `key` (of `version` when given); MWAA's error when it cannot be read."""
    try:
        found = client.stat_object(bucket, key, version_id=version)
    except S3Error as error:
        if error.code in MISSING:
            raise _unreadable(version, key) from error
        raise
    if found.is_delete_marker or not found.version_id:
        raise _unreadable(version, key)
    return str(found.version_id)


def resolve(record: EnvironmentRecord, client: Minio) -> EnvironmentRecord:
    """`record` with the version of every named configuration file checked, or fixed to the
    object's current version when the path comes without one."""
    fields: dict[str, Any] = dict(record.fields)
    for kind in KINDS:
        key = fields.get(kind.path_member)
        if not key:
            continue
        version = fields.get(kind.version_member)
        fields[kind.version_member] = current_version(client, record.bucket, str(key), version)
    return build_record(fields) if fields != record.fields else record


def latest(record: EnvironmentRecord, client: Minio) -> dict[str, str]:
    """For `up`: the path and current version of each configuration file the record names, or
    that exists at its conventional key (where `deploy` puts it), unless the record pins one."""
    members: dict[str, str] = {}
    for kind in KINDS:
        if record.fields.get(kind.version_member):
            continue
        key = record.s3_path(kind.path_member, kind.default_key)
        try:
            version = current_version(client, record.bucket, key)
        except EnvironmentConfigError:
            if record.fields.get(kind.path_member):
                raise
            continue
        members[kind.path_member] = key
        members[kind.version_member] = version
    return members


def _check(kind: FileKind, path: Path, described: str, record: EnvironmentRecord) -> None:
    """What would fail the build, found before it starts."""
    if kind.kind == "plugins":
        try:
            configuration_files.check_zip(path, described)
        except configuration_files.ConfigurationError as error:
            raise EnvironmentConfigError(str(error), hint="Upload a valid zip and update the environment.") from error
    if kind.kind == "requirements":
        essential = record.airflow_version.data_dir / "mwaa-essential-constraints.txt"
        found = configuration_files.conflicts(
            path.read_text(errors="replace"), configuration_files.pins(essential.read_text())
        )
        if found:
            raise EnvironmentConfigError(
                f"{described} cannot be installed: " + "; ".join(conflict.message() for conflict in found),
                hint="Remove those pins (MWAA keeps its own versions of these packages).",
            )


def stage(record: EnvironmentRecord, client: Minio, paths: Paths, folder: Path) -> Configuration | None:
    """Download the record's configuration files at their versions into `folder`, the
    environment's own build context (its lock keeps one job at a time in it: environments with
    the same files at once never share one); None when the record names none."""
    named = [kind for kind in KINDS if record.fields.get(kind.path_member)]
    if not named:
        return None
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".download-", dir=folder.parent))
    try:
        manifest: dict[str, dict[str, str]] = {}
        files = {"Dockerfile": paths.configuration_dockerfile}
        for kind in named:
            key, version = str(record.fields[kind.path_member]), str(record.fields.get(kind.version_member) or "")
            name = configuration_files.FILES[kind.kind]
            target = scratch / name
            try:
                client.fget_object(record.bucket, key, str(target), version_id=version or None)
            except S3Error as error:
                if error.code in MISSING:
                    raise _unreadable(version, key) from error
                raise
            manifest[kind.kind] = {"bucket": record.bucket, "key": key, "version": version}
            _check(kind, target, configuration_files.describe(manifest, kind.kind), record)
            files[f"files/{name}"] = target
        # The same bytes make the same image, whatever their object versions: an update that
        # names a re-upload of the live files changes nothing. The manifest says which objects
        # the image was first built from.
        digest = hashlib.sha256()
        for name, path in sorted(files.items()):
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
        (scratch / configuration_files.STAGED_MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        files[f"files/{configuration_files.STAGED_MANIFEST}"] = scratch / configuration_files.STAGED_MANIFEST
        return Configuration(digest.hexdigest()[:16], assemble_files(files, folder), manifest)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
