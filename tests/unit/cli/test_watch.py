"""`deploy --watch`'s view of the workspace: what deploy uploads, nothing else, and which of an
upload's changes an UpdateEnvironment would apply."""

from __future__ import annotations

import os
from pathlib import Path
from typing import cast

import pytest

from emulator.cli import lifecycle, watch
from emulator.cli.watch import changed_paths, configuration_changes, snapshot
from emulator.s3.deploy import ObjectChange


def test_the_snapshot_holds_what_deploy_uploads_and_nothing_else(tmp_path: Path) -> None:
    for path in ("dags/a.py", "dags/sub/b.sql", "dags/__pycache__/a.cpython-312.pyc", "plugins/p.py", "notes.md"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x")
    (tmp_path / "requirements.txt").write_text("pyjokes\n")
    assert sorted(snapshot(tmp_path)) == ["dags/a.py", "dags/sub/b.sql", "plugins/p.py", "requirements.txt"]


def test_an_edit_an_addition_and_a_deletion_are_each_a_change(tmp_path: Path) -> None:
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "a.py").write_text("one")
    (tmp_path / "dags" / "gone.py").write_text("x")
    before = snapshot(tmp_path)
    (tmp_path / "dags" / "a.py").write_text("two!")
    os.utime(tmp_path / "dags" / "a.py", ns=(1, 1))
    (tmp_path / "dags" / "gone.py").unlink()
    (tmp_path / "dags" / "new.py").write_text("y")
    assert changed_paths(before, snapshot(tmp_path)) == ["dags/a.py", "dags/gone.py", "dags/new.py"]
    assert changed_paths(before, before) == []


def test_only_uploads_outside_the_dag_folder_need_an_update() -> None:
    changes = [
        ObjectChange("b", "dags/a.py", "uploaded", "1"),
        ObjectChange("b", "dags/gone.py", "deleted", None),
        ObjectChange("b", "requirements.txt", "uploaded", "2"),
        ObjectChange("b", "startup.sh", "unchanged", "3"),
        ObjectChange("b", "config/plugins.zip", "uploaded", "4"),
    ]
    assert [change.key for change in configuration_changes(changes, "dags")] == [
        "requirements.txt",
        "config/plugins.zip",
    ]


def test_a_new_configuration_file_is_applied_only_with_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    uploaded = [ObjectChange("b", "dags/a.py", "uploaded", "1"), ObjectChange("b", "startup.sh", "uploaded", "2")]
    applied: list[str] = []
    monkeypatch.setattr(watch.uploads, "upload", lambda context, workspace, name, apply: uploaded)
    monkeypatch.setattr(watch.uploads, "apply_configuration", lambda context, name: applied.append(name))
    context = cast(lifecycle.Context, object())

    with watch.ui.console.capture() as shown:
        watch.upload_once(context, Path("."), "local", apply=False, dag_s3_path="dags")
    assert applied == [] and "not applied: startup.sh" in shown.get()
    watch.upload_once(context, Path("."), "local", apply=True, dag_s3_path="dags")
    assert applied == ["local"]
