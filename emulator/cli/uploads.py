"""The workspace's upload as `deploy`, `test` and `deploy --watch` show it: the bucket's
changes, then UpdateEnvironment to new configuration file versions."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from emulator.cli import lifecycle, ui
from emulator.s3.deploy import ObjectChange
from emulator.service.provider import staged_configuration


def upload(cli_context: lifecycle.Context, workspace: Path, environment: str, apply: bool) -> list[ObjectChange]:
    """`deploy`'s upload, shown; then (`apply`) UpdateEnvironment to new configuration files."""
    changes = lifecycle.deploy(cli_context, workspace, environment)
    show_changes(changes)
    if apply:
        apply_configuration(cli_context, environment)
    return changes


def apply_configuration(cli_context: lifecycle.Context, environment: str) -> None:
    with ui.SpinnerDisplay() as display:
        applied = lifecycle.apply_files(cli_context, environment, display)
    if applied.outcome == "no environment":
        ui.console.print(
            f"  Environment {environment} does not exist yet: `mwaa-local up` creates it with these files."
        )
    elif applied.outcome == "current":
        ui.console.print(
            "  requirements.txt, plugins.zip and startup.sh: the environment already runs these versions.",
            soft_wrap=True,
        )
    else:
        show_live_files(environment, applied.live)


def show_live_files(environment: str, live: dict[str, str]) -> None:
    """Which configuration file versions the environment runs now."""
    for kind in staged_configuration.KINDS:
        if kind.path_member in live:
            ui.console.print(
                f"  [green]live[/]      {escape(live[kind.path_member])}  version {live[kind.version_member]} "
                f"(environment {environment})",
                soft_wrap=True,
            )


def show_changes(changes: list[ObjectChange]) -> None:
    unchanged = [change for change in changes if change.action == "unchanged" and "/" in change.key]
    for change in changes:
        if change in unchanged:
            continue
        colour = {"uploaded": "green", "deleted": "red"}.get(change.action, "dim")
        line = f"  [{colour}]{change.action:9}[/] {escape(change.url)}  version {change.version_id}"
        ui.console.print(line, soft_wrap=True)
    if unchanged:
        ui.console.print(f"  [dim]{len(unchanged)} DAG folder file(s) unchanged[/]")


def dag_folder_prefix(dag_s3_path: str) -> str:
    """The bucket key prefix of the DAG folder (`DagS3Path`, with one trailing slash)."""
    return dag_s3_path.strip("/") + "/"
