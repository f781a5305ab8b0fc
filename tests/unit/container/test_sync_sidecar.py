"""The sidecar's file handling, with an in-memory stand-in for the S3 client."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from emulator.container.sync.sidecar import Sidecar, SyncConfig


class FakeResponse:
    def __init__(self, data: bytes, version: str) -> None:
        self.data = data
        self.headers = {"x-amz-version-id": version}

    def stream(self, size: int) -> Any:
        yield self.data

    def close(self) -> None: ...

    def release_conn(self) -> None: ...


class FakeBucket:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.reachable = True

    def list_objects(self, bucket: str, prefix: str, recursive: bool) -> Any:
        if not self.reachable:
            raise ConnectionError("S3 is down")
        for key, data in self.objects.items():
            if key.startswith(prefix):
                yield SimpleNamespace(
                    object_name=key, etag=hashlib.md5(data).hexdigest(), size=len(data), version_id=None
                )

    def get_object(self, bucket: str, key: str, version_id: str | None = None) -> FakeResponse:
        return FakeResponse(self.objects[key], "v-" + hashlib.md5(self.objects[key]).hexdigest()[:6])


@pytest.fixture
def bucket() -> FakeBucket:
    return FakeBucket()


@pytest.fixture
def sidecar(tmp_path: Path, bucket: FakeBucket) -> Sidecar:
    config = SyncConfig("http://s3:9000", "k", "s", "bucket", "dags", 1, "us-east-1", tmp_path)
    return Sidecar(config, bucket)  # type: ignore[arg-type]


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_mirrors_adds_updates_and_deletes(sidecar: Sidecar, bucket: FakeBucket, tmp_path: Path) -> None:
    bucket.objects = {"dags/a.py": b"one", "dags/nested/deep/b.sql": b"select 1", "other/x.py": b"no"}
    sidecar.run_once()
    assert files(tmp_path) == {"a.py": b"one", "nested/deep/b.sql": b"select 1"}

    bucket.objects["dags/a.py"] = b"two"
    del bucket.objects["dags/nested/deep/b.sql"]
    sidecar.run_once()
    assert files(tmp_path) == {"a.py": b"two"}
    assert not (tmp_path / "nested").exists(), "emptied folders are removed too"


def test_no_temporary_file_is_left_behind(sidecar: Sidecar, bucket: FakeBucket, tmp_path: Path) -> None:
    bucket.objects = {"dags/a.py": b"x" * 1000}
    sidecar.run_once()
    assert [p.name for p in tmp_path.iterdir()] == ["a.py"]


def test_a_failed_listing_keeps_the_last_good_copy(sidecar: Sidecar, bucket: FakeBucket, tmp_path: Path) -> None:
    bucket.objects = {"dags/a.py": b"one"}
    sidecar.run_once()
    bucket.reachable = False
    with pytest.raises(ConnectionError):
        sidecar.run_once()
    assert files(tmp_path) == {"a.py": b"one"}


def test_local_python_caches_survive_a_sync(sidecar: Sidecar, bucket: FakeBucket, tmp_path: Path) -> None:
    bucket.objects = {"dags/a.py": b"one"}
    sidecar.run_once()
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.cpython-312.pyc").write_bytes(b"cache")
    sidecar.run_once()
    assert (tmp_path / "__pycache__" / "a.cpython-312.pyc").exists()


def test_an_object_that_cannot_be_copied_is_skipped_and_logged_once(
    sidecar: Sidecar, bucket: FakeBucket, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `a` cannot be both a file and a folder: MWAA would skip one of them, not stop syncing.
    bucket.objects = {"dags/a": b"file", "dags/a/b.py": b"nested", "dags/good.py": b"ok"}
    sidecar.run_once()
    sidecar.run_once()
    assert (tmp_path / "good.py").read_bytes() == b"ok"
    assert list(sidecar.failing) == ["a/b.py"]
    assert capsys.readouterr().out.count("cannot sync a/b.py") == 1, "logged once, not every pass"

    del bucket.objects["dags/a"]
    (tmp_path / "a").unlink()
    sidecar.run_once()
    assert (tmp_path / "a" / "b.py").read_bytes() == b"nested"
    assert sidecar.failing == {}


def test_non_canonical_keys_are_skipped_with_one_log_line_and_never_fight_over_a_file(
    sidecar: Sidecar, bucket: FakeBucket, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`dags/./x.py` would otherwise overwrite `x.py`, and `dags/a//b.py` appear and vanish on
    alternate passes: a key names a file of the DAG folder only in its canonical form."""
    bucket.objects = {
        "dags/x.py": b"real",
        "dags/./x.py": b"impostor",
        "dags/a//b.py": b"twin",
        "dags/a/../c.py": b"up",
    }
    for _ in range(3):
        sidecar.run_once()
        assert files(tmp_path) == {"x.py": b"real"}
    logged = capsys.readouterr().out
    for key in ("dags/./x.py", "dags/a//b.py", "dags/a/../c.py"):
        assert logged.count(f"skipping {key}:") == 1, key


def test_the_sync_never_writes_through_a_symbolic_link(
    sidecar: Sidecar, bucket: FakeBucket, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (tmp_path / "linked").symlink_to(outside)  # as a task writing to the DAG folder could
    bucket.objects = {"dags/linked/evil.py": b"escape", "dags/ok.py": b"ok"}
    sidecar.run_once()
    assert not (outside / "evil.py").exists()
    assert (tmp_path / "ok.py").read_bytes() == b"ok"
    assert "linked is a symbolic link" in capsys.readouterr().out
