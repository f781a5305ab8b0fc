"""`mwaa-local deploy --watch`: keep the bucket in step with the workspace. A saved DAG file is
uploaded at once (the sync sidecar and the DAG processor take it from there); a new
requirements.txt, plugins/ or startup.sh is uploaded too, and its UpdateEnvironment is
proposed, or applied with `--apply`: an environment never restarts silently.

The workspace is polled (a few stat calls every 0.2 s): it works the same on every file
system, the VM-shared folders of Docker Desktop and network mounts included, where file
events do not always arrive."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from rich.markup import escape

from emulator.cli import lifecycle, ui, uploads
from emulator.s3.deploy import ObjectChange

POLL_SECONDS = 0.2
# Editors write a file in steps (truncate, write, rename): wait this long for it to settle.
SETTLE_SECONDS = 0.1
CONFIGURATION_FILES = ("requirements.txt", "plugins", "plugins.zip", "startup.sh")
Snapshot = dict[str, tuple[int, int]]


def snapshot(workspace: Path) -> Snapshot:
    """(modification time, size) of every file deploy uploads, by workspace path."""
    found: Snapshot = {}
    for name in ("dags", *CONFIGURATION_FILES):
        top = workspace / name
        paths = [top] if top.is_file() else sorted(top.rglob("*")) if top.is_dir() else []
        for path in paths:
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                stat = path.stat()
                found[str(path.relative_to(workspace))] = (stat.st_mtime_ns, stat.st_size)
    return found


def changed_paths(before: Snapshot, after: Snapshot) -> list[str]:
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def configuration_changes(changes: list[ObjectChange], dag_s3_path: str) -> list[ObjectChange]:
    """Uploads outside the DAG folder (requirements.txt, plugins.zip, startup.sh): an
    UpdateEnvironment would apply them."""
    prefix = uploads.dag_folder_prefix(dag_s3_path)
    return [change for change in changes if change.action == "uploaded" and not change.key.startswith(prefix)]


def watch(
    context: lifecycle.Context,
    workspace: Path,
    environment: str,
    apply: bool,
    keep_going: Callable[[], bool] = lambda: True,
) -> None:
    """Upload now and on every change until interrupted (or `keep_going` says stop)."""
    dag_s3_path = lifecycle.deploy_record(context, workspace, environment).dag_s3_path
    upload_once(context, workspace, environment, apply, dag_s3_path)
    ui.console.print(f"Watching {escape(str(workspace))} (Ctrl+C stops)…", soft_wrap=True)
    last = snapshot(workspace)
    while keep_going():
        time.sleep(POLL_SECONDS)
        current = snapshot(workspace)
        if current == last:
            continue
        time.sleep(SETTLE_SECONDS)
        current = snapshot(workspace)
        ui.console.print(f"[dim]changed:[/] {escape(', '.join(changed_paths(last, current)))}", soft_wrap=True)
        last = current
        upload_once(context, workspace, environment, apply, dag_s3_path)


def upload_once(context: lifecycle.Context, workspace: Path, environment: str, apply: bool, dag_s3_path: str) -> None:
    """One upload; new configuration files applied (`apply`) or the update proposed."""
    changes = uploads.upload(context, workspace, environment, apply=False)
    proposed = configuration_changes(changes, dag_s3_path)
    if proposed and apply:
        uploads.apply_configuration(context, environment)
    elif proposed:
        names = ", ".join(change.key for change in proposed)
        ui.console.print(
            f"  [yellow]not applied:[/] {escape(names)}. `mwaa-local deploy` applies the new versions with "
            "UpdateEnvironment (the environment restarts its components); `deploy --watch --apply` does it "
            "on every change.",
            soft_wrap=True,
        )
