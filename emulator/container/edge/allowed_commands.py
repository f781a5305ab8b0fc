"""The Airflow CLI commands MWAA's `/aws_mwaa/cli` endpoint runs, by Airflow version (reference
§8.2, §8.3), and how a request body becomes arguments: split as a shell would, without a shell.
"""

from __future__ import annotations

import shlex

from packaging.version import Version

from emulator.model.request_size import CLI_REQUEST_BYTES as MAX_BODY_BYTES

AIRFLOW_3 = {
    "assets": {"details", "list", "materialize"},
    "backfill": {"create"},
    "cheat-sheet": set(),
    "connections": {"add", "delete"},
    "dags": {
        "delete",
        "list",
        "list-jobs",
        "list-import-errors",
        "list-runs",
        "next-execution",
        "pause",
        "report",
        "reserialize",
        "show",
        "state",
        "test",
        "trigger",
        "unpause",
    },
    "db": {"clean"},
    "providers": {"behaviours", "get", "hooks", "links", "list", "notifications", "secrets", "triggerer", "widgets"},
    "roles": {"add-perms", "del-perms", "create", "list"},
    "tasks": {"clear", "failed-deps", "list", "render", "state", "states-for-dag-run", "test"},
    "variables": {"delete", "get", "set", "list"},
    "version": set(),
}

# Airflow 2: what each minor version added, in order.
AIRFLOW_2_SINCE: list[tuple[str, dict[str, set[str]]]] = [
    (
        "2.0",
        {
            "cheat-sheet": set(),
            "connections": {"add", "delete"},
            "dags": {"delete", "list-jobs", "pause", "report", "show", "state", "test", "trigger", "unpause"},
            "providers": {"behaviours", "get", "hooks", "links", "list", "widgets"},
            "roles": {"list"},
            "tasks": {"clear", "failed-deps", "list", "render", "run", "state", "states-for-dag-run", "test"},
            "variables": {"delete", "get", "set", "list"},
            "version": set(),
        },
    ),
    ("2.2", {"dags": {"backfill", "list", "list-runs", "next-execution"}}),
    ("2.4", {"dags": {"reserialize"}, "db": {"clean"}}),
    ("2.6", {"dags": {"list-import-errors"}, "providers": {"secrets"}, "roles": {"add-perms", "del-perms", "create"}}),
    ("2.7", {"providers": {"triggerer"}}),
    ("2.8", {"providers": {"notifications"}}),
]


# Options that make Airflow read or write a path of the web server's file system (a DAG folder
# elsewhere, an image or a run saved to a file, a configuration or pickle to load): MWAA's
# endpoint is for commands about the environment's DAGs, never about the host's files.
PATH_OPTIONS = ("--subdir", "--save", "--save-dagrun", "--cfg-path", "--pickle")
SHORT_PATH_OPTIONS = {"-S": "--subdir"}
SHORT_PATH_OPTIONS_OF = {"tasks run": {"-p": "--pickle"}}


class CommandRefused(ValueError):
    """A body that is not a command MWAA would run (the message says why). `disallowed`: a real
    command MWAA does not run (it answers those with 500), rather than a malformed body."""

    def __init__(self, message: str, disallowed: bool = False) -> None:
        super().__init__(message)
        self.disallowed = disallowed


def allowed(airflow_version: str) -> dict[str, set[str]]:
    """Command group → subcommands MWAA allows on this Airflow version (an empty set: the group
    is a command of its own, like `version`)."""
    if Version(airflow_version).major >= 3:
        return {group: set(subcommands) for group, subcommands in AIRFLOW_3.items()}
    found: dict[str, set[str]] = {}
    for since, added in AIRFLOW_2_SINCE:
        if Version(airflow_version) >= Version(since):
            for group, subcommands in added.items():
                found.setdefault(group, set()).update(subcommands)
    return found


def parse(body: bytes, airflow_version: str) -> list[str]:
    """The arguments of `airflow …` the body asks for; CommandRefused when MWAA would not run it."""
    if len(body) > MAX_BODY_BYTES:
        raise CommandRefused(f"The command is {len(body)} bytes; the limit is {MAX_BODY_BYTES}.")
    try:
        text = body.decode()
        arguments = shlex.split(text, comments=False, posix=True)
    except (UnicodeDecodeError, ValueError) as error:
        raise CommandRefused(f"The command cannot be split into arguments: {error}.") from error
    if not arguments:
        raise CommandRefused("The request body is empty: send the Airflow CLI arguments, e.g. `dags list`.")
    if arguments[0] == "airflow":
        raise CommandRefused("Send the arguments without the leading `airflow`, e.g. `dags list`.")
    commands = allowed(airflow_version)
    group = arguments[0]
    if group not in commands:
        raise CommandRefused(
            f"`{group}` is not an Airflow CLI command MWAA runs on Airflow {airflow_version}.", disallowed=True
        )
    if commands[group]:
        subcommand = arguments[1] if len(arguments) > 1 else ""
        if subcommand not in commands[group]:
            shown = f"{group} {subcommand}".strip()
            raise CommandRefused(
                f"`{shown}` is not an Airflow CLI command MWAA runs on Airflow {airflow_version}; "
                f"`{group}` takes: {', '.join(sorted(commands[group]))}.",
                disallowed=True,
            )
    refuse_path_options(arguments, airflow_version)
    return arguments


def refuse_path_options(arguments: list[str], airflow_version: str) -> None:
    """CommandRefused for an option that takes a path, however it is spelled: `-S /x`, `-S/x`,
    `--subdir=/x`, or an abbreviation argparse would expand (`--sub /x`)."""
    short = SHORT_PATH_OPTIONS | SHORT_PATH_OPTIONS_OF.get(" ".join(arguments[:2]), {})
    for argument in arguments[1:]:
        if argument == "--":
            break
        name = argument.split("=", 1)[0]
        if name.startswith("--") and len(name) > 2:
            taken = [option for option in PATH_OPTIONS if option.startswith(name)]
        else:
            taken = [long for flag, long in short.items() if argument.startswith(flag)]
        if taken:
            raise CommandRefused(
                f"`{argument}` names a file or folder ({taken[0]}): the CLI endpoint runs commands about the "
                f"environment's DAGs and refuses options that read or write a path.",
                disallowed=True,
            )
