"""The sync sidecar: every interval, mirror s3://<bucket>/<DagS3Path> into the dags folder.

A failed listing changes nothing (the last good copy stays), and the loop retries with
backoff. A file appears atomically: it is written under a temporary name in its folder, then
renamed, so Airflow never parses half a file.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from minio import Minio

from emulator.container.runtime.health import SYNC_MARKER
from emulator.container.sync.s3_connection import connect
from emulator.model.sync_plan import (
    TEMPORARY_MARK,
    LocalFile,
    RemoteObject,
    SyncPlan,
    is_non_canonical_file,
    plan_sync,
    relative_path,
)

DAGS_FOLDER = Path(os.environ.get("AIRFLOW_HOME", "/usr/local/airflow")) / "dags"
MAX_BACKOFF_SECONDS = 30.0


@dataclass(frozen=True)
class SyncConfig:
    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    prefix: str
    interval: float
    region: str
    folder: Path

    @classmethod
    def from_environment(cls) -> SyncConfig:
        env = os.environ
        return cls(
            endpoint=env["MWAA_LOCAL_S3_ENDPOINT"],
            access_key=env["MWAA_LOCAL_S3_ACCESS_KEY"],
            secret_key=env["MWAA_LOCAL_S3_SECRET_KEY"],
            bucket=env["MWAA_LOCAL_BUCKET"],
            prefix=env.get("MWAA_LOCAL_DAG_S3_PATH", "dags").strip("/"),
            interval=float(env.get("MWAA_LOCAL_SYNC_INTERVAL", "30")),
            region=env.get("AWS_REGION", "us-east-1"),
            folder=Path(env.get("MWAA_LOCAL_DAGS_FOLDER", str(DAGS_FOLDER))),
        )


def log(message: str) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    print(f"{stamp} sync: {message}", flush=True)


def list_remote(client: Minio, config: SyncConfig, refused: set[str] | None = None) -> dict[str, RemoteObject]:
    """The files under DagS3Path by path. A key that names a file non-canonically (`dags/./x.py`,
    `dags/a//b.py`) is skipped and logged once (`refused` remembers which were)."""
    listing = {}
    prefix = f"{config.prefix}/" if config.prefix else ""
    for item in client.list_objects(config.bucket, prefix=prefix, recursive=True):
        key = item.object_name or ""
        path = relative_path(key, config.prefix)
        if path is None:
            if refused is not None and key not in refused and is_non_canonical_file(key, config.prefix):
                refused.add(key)
                log(f"skipping {key}: an empty, `.` or `..` segment makes it no file of the DAG folder")
            continue
        listing[path] = RemoteObject(path, (item.etag or "").strip('"'), item.size or 0, item.version_id)
    return listing


class LocalIndex:
    """MD5s of the folder's files, recomputed only for files whose size or mtime changed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cache: dict[str, tuple[int, int, str]] = {}

    def scan(self) -> dict[str, LocalFile]:
        found = {}
        for file in self.folder.rglob("*"):
            if not file.is_file() or file.is_symlink():
                continue
            path = file.relative_to(self.folder).as_posix()
            stat = file.stat()
            cached = self.cache.get(path)
            if cached and cached[:2] == (stat.st_size, stat.st_mtime_ns):
                digest = cached[2]
            else:
                digest = hashlib.md5(file.read_bytes(), usedforsecurity=False).hexdigest()
                self.cache[path] = (stat.st_size, stat.st_mtime_ns, digest)
            found[path] = LocalFile(path, digest, stat.st_size)
        return found


class Sidecar:
    def __init__(self, config: SyncConfig, client: Minio) -> None:
        self.config = config
        self.client = client
        self.index = LocalIndex(config.folder)
        self.downloaded: dict[str, str] = {}
        self.failing: dict[str, str] = {}  # path → why it could not be copied or removed
        self.refused: set[str] = set()  # keys skipped as non-canonical (logged once)

    def download(self, obj: RemoteObject) -> str:
        """Copy one object into place atomically; returns the object version it copied."""
        target = self.config.folder / obj.path
        self.refuse_symlinked_folders(obj.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}{TEMPORARY_MARK}{uuid.uuid4().hex[:8]}")
        key = f"{self.config.prefix}/{obj.path}" if self.config.prefix else obj.path
        response = self.client.get_object(self.config.bucket, key, version_id=obj.version_id)
        version = response.headers.get("x-amz-version-id") or "null"
        try:
            with open(temporary, "wb") as handle:
                for chunk in response.stream(256 * 1024):
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        finally:
            response.close()
            response.release_conn()
            temporary.unlink(missing_ok=True)
        self.downloaded[obj.path] = obj.etag.lower()
        return version

    def refuse_symlinked_folders(self, path: str) -> None:
        """A folder of the path that is a symbolic link (a task may make one) would take the
        write out of the DAG folder: refused, never followed."""
        current = self.config.folder
        for part in path.split("/")[:-1]:
            current = current / part
            if current.is_symlink():
                raise OSError(
                    f"{current.relative_to(self.config.folder)} is a symbolic link; the sync never writes through one"
                )

    def delete(self, path: str) -> None:
        target = self.config.folder / path
        target.unlink(missing_ok=True)
        self.downloaded.pop(path, None)
        parent = target.parent
        while parent != self.config.folder and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent

    def attempt(self, path: str, change: Callable[[], str]) -> None:
        """Make one change; a failure is logged once (not every pass) and retried next pass."""
        try:
            log(change())
        except Exception as error:  # one bad object must not stop the others
            if self.failing.get(path) != str(error):
                log(f"cannot sync {path}: {error} (retrying every pass)")
            self.failing[path] = str(error)
        else:
            self.failing.pop(path, None)

    def apply(self, plan: SyncPlan, local: dict[str, LocalFile]) -> None:
        for obj in plan.downloads:
            verb = "updated" if obj.path in local else "added"

            def copy(obj: RemoteObject = obj, verb: str = verb) -> str:
                return f"{verb} {obj.path} (version {self.download(obj)}, {obj.size} bytes)"

            self.attempt(obj.path, copy)
        for path in plan.deletions:

            def remove(path: str = path) -> str:
                self.delete(path)
                return f"removed {path} (deleted from the bucket)"

            self.attempt(path, remove)

    def run_once(self) -> None:
        """One pass; raises when the bucket cannot be listed (nothing is changed then)."""
        remote = list_remote(self.client, self.config, self.refused)
        local = self.index.scan()
        plan = plan_sync(remote, local, self.downloaded)
        if not plan.empty:
            self.apply(plan, local)
        self.failing = {path: why for path, why in self.failing.items() if path in remote or path in local}


def main() -> int:
    config = SyncConfig.from_environment()
    config.folder.mkdir(parents=True, exist_ok=True)
    client = connect(config.endpoint, config.access_key, config.secret_key, config.region)
    sidecar = Sidecar(config, client)
    log(f"mirroring s3://{config.bucket}/{config.prefix} → {config.folder} every {config.interval:g}s")
    backoff = 0.0
    while True:
        try:
            sidecar.run_once()
        except Exception as error:  # S3 unreachable or bucket missing: keep the last good copy
            backoff = min(MAX_BACKOFF_SECONDS, max(1.0, backoff * 2))
            where = f"s3://{config.bucket}/{config.prefix}"
            log(f"cannot list {where} ({error}); keeping the current files, retrying in {backoff:g}s")
            time.sleep(backoff)
            continue
        if backoff:
            log("bucket reachable again")
        backoff = 0.0
        SYNC_MARKER.touch()  # healthy: the bucket answers (a file that cannot be copied is logged)
        time.sleep(config.interval)


if __name__ == "__main__":
    sys.exit(main())
