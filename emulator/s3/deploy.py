"""`deploy`: a workspace to the bucket, as `aws s3 sync --delete` and `aws s3 cp` would.

    dags/             → s3://<bucket>/<DagS3Path>/   new and changed files, deletions mirrored
    requirements.txt  → RequirementsS3Path          (default requirements.txt)
    plugins/          → PluginsS3Path as a zip      (default plugins.zip; a plugins.zip file also works)
    startup.sh        → StartupScriptS3Path         (default startup.sh)

Unchanged files are not uploaded again, so they keep their object version. Python caches
(`__pycache__`, `*.pyc`) are never uploaded.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from minio import Minio
from minio.error import S3Error

from emulator.model.errors import MwaaLocalError
from emulator.model.record import EnvironmentRecord
from emulator.model.sync_plan import is_ignored_local, relative_path

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # fixed, so an unchanged plugins folder zips identically


@dataclass(frozen=True)
class ObjectChange:
    bucket: str
    key: str
    action: str  # uploaded, deleted, unchanged
    version_id: str | None

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def zip_folder(folder: Path) -> bytes:
    """plugins/ as plugins.zip: the folder's content at the zip's top level, byte-stable."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder).as_posix()
            if path.is_file() and not is_ignored_local(relative):
                info = zipfile.ZipInfo(relative, ZIP_TIMESTAMP)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


class Deployer:
    def __init__(self, client: Minio, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def current(self, key: str) -> tuple[str, str | None] | None:
        """(etag, version id) of the key's current version, or None when it has none."""
        try:
            stat = self.client.stat_object(self.bucket, key)
        except S3Error as error:
            if error.code in ("NoSuchKey", "NoSuchObject", "NoSuchVersion"):
                return None
            raise
        return (stat.etag or "").strip('"'), stat.version_id

    def put(self, key: str, data: bytes, remote_etag: str | None) -> ObjectChange:
        if remote_etag == md5(data):
            existing = self.current(key)
            return ObjectChange(self.bucket, key, "unchanged", existing[1] if existing else None)
        result = self.client.put_object(self.bucket, key, io.BytesIO(data), len(data))
        return ObjectChange(self.bucket, key, "uploaded", result.version_id)

    def put_file(self, key: str, data: bytes) -> ObjectChange:
        existing = self.current(key)
        return self.put(key, data, existing[0] if existing else None)

    def sync_folder(self, folder: Path, prefix: str) -> list[ObjectChange]:
        lead = f"{prefix}/" if prefix else ""
        remote = {}
        for item in self.client.list_objects(self.bucket, prefix=lead, recursive=True):
            path = relative_path(item.object_name or "", prefix)
            if path is not None:
                remote[path] = (item.etag or "").strip('"')
        local = {}
        for file in sorted(folder.rglob("*")):
            path = file.relative_to(folder).as_posix()
            if file.is_file() and not is_ignored_local(path):
                local[path] = file
        changes = [self.put(lead + path, file.read_bytes(), remote.get(path)) for path, file in local.items()]
        for path in sorted(set(remote) - set(local)):
            changes.append(self.delete(lead + path))
        return changes

    def delete(self, key: str) -> ObjectChange:
        """Delete a key; in a versioned bucket that adds a delete marker, whose id is reported."""
        self.client.remove_object(self.bucket, key)
        marker = next(
            (
                item.version_id
                for item in self.client.list_objects(self.bucket, prefix=key, include_version=True)
                if item.object_name == key and item.is_latest == "true" and item.is_delete_marker
            ),
            None,
        )
        return ObjectChange(self.bucket, key, "deleted", marker)


def deploy_workspace(client: Minio, record: EnvironmentRecord, workspace: Path) -> list[ObjectChange]:
    """Upload a workspace to the environment's bucket paths; returns what changed and how.

    Refuses a workspace without dags/: mirroring a missing folder would delete every DAG of
    the environment (`aws s3 sync --delete` refuses a missing source too)."""
    if not (workspace / "dags").is_dir():
        raise MwaaLocalError(
            f"{workspace} has no dags/ folder; deploying it would delete every DAG in "
            f"s3://{record.bucket}/{record.dag_s3_path}/.",
            hint="Run from your workspace (the folder holding dags/), or pass --workspace DIR.",
        )
    deployer = Deployer(client, record.bucket)
    changes = deployer.sync_folder(workspace / "dags", record.dag_s3_path)
    requirements = workspace / "requirements.txt"
    if requirements.is_file():
        key = record.s3_path("RequirementsS3Path", "requirements.txt")
        changes.append(deployer.put_file(key, requirements.read_bytes()))
    plugins_key = record.s3_path("PluginsS3Path", "plugins.zip")
    if (workspace / "plugins").is_dir():
        changes.append(deployer.put_file(plugins_key, zip_folder(workspace / "plugins")))
    elif (workspace / "plugins.zip").is_file():
        changes.append(deployer.put_file(plugins_key, (workspace / "plugins.zip").read_bytes()))
    startup = workspace / "startup.sh"
    if startup.is_file():
        key = record.s3_path("StartupScriptS3Path", "startup.sh")
        changes.append(deployer.put_file(key, startup.read_bytes()))
    return changes
