"""Deciding what one sync pass changes: a pure function of the bucket listing and the folder.

MWAA copies new and changed objects under DagS3Path into the dags folder, keeps the folder
hierarchy, copies every file type, and removes files whose objects were deleted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

# ETags of single-part uploads are the object's MD5; multipart ETags end in `-<parts>`.
_PLAIN_MD5 = re.compile(r"[0-9a-f]{32}")
TEMPORARY_MARK = ".mwaa-sync-"


@dataclass(frozen=True)
class RemoteObject:
    path: str  # relative to DagS3Path, POSIX separators
    etag: str
    size: int
    version_id: str | None = None


@dataclass(frozen=True)
class LocalFile:
    path: str
    md5: str
    size: int


@dataclass(frozen=True)
class SyncPlan:
    downloads: list[RemoteObject] = field(default_factory=list)
    deletions: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.downloads and not self.deletions


def relative_path(key: str, prefix: str) -> str | None:
    """The path of an object key under the DagS3Path prefix, or None for keys that are not
    files there (folder markers, keys outside the prefix, or paths escaping the folder)."""
    root = prefix.strip("/")
    lead = f"{root}/" if root else ""
    if not key.startswith(lead) or key.endswith("/"):
        return None
    path = key[len(lead) :]
    if not is_canonical(path):
        return None
    return path


def is_canonical(path: str) -> bool:
    """A path names one file one way: no empty, `.` or `..` segment (PurePosixPath would fold
    `./x.py` and `a//b.py` into `x.py` and `a/b.py`, so two keys would fight over one file)."""
    return bool(path) and all(segment not in ("", ".", "..") for segment in path.split("/"))


def is_non_canonical_file(key: str, prefix: str) -> bool:
    """A key under the prefix that names a file, but not canonically: refused, and worth a log line."""
    root = prefix.strip("/")
    lead = f"{root}/" if root else ""
    return key.startswith(lead) and not key.endswith("/") and not is_canonical(key[len(lead) :])


def is_ignored_local(path: str) -> bool:
    """Local files the sync neither reports nor deletes: Python caches and its own temp files."""
    parts = PurePosixPath(path).parts
    return "__pycache__" in parts or path.endswith(".pyc") or TEMPORARY_MARK in parts[-1]


def same_content(remote: RemoteObject, local: LocalFile, downloaded_etag: str | None) -> bool:
    etag = remote.etag.strip('"').lower()
    if _PLAIN_MD5.fullmatch(etag):
        return etag == local.md5 and remote.size == local.size
    return downloaded_etag == etag and remote.size == local.size


def plan_sync(
    remote: Mapping[str, RemoteObject],
    local: Mapping[str, LocalFile],
    downloaded: Mapping[str, str] | None = None,
) -> SyncPlan:
    """What to download and delete so the folder mirrors the bucket listing.

    `downloaded` maps paths to the ETag this sidecar last wrote there; it lets multipart
    objects (whose ETag is not an MD5) be recognised as unchanged.
    """
    downloaded = downloaded or {}
    downloads = [
        obj
        for path, obj in sorted(remote.items())
        if path not in local or not same_content(obj, local[path], downloaded.get(path))
    ]
    deletions = sorted(path for path in local if path not in remote and not is_ignored_local(path))
    return SyncPlan(downloads, deletions)
