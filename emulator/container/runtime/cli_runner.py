"""The warm Airflow CLI behind the edge's `/aws_mwaa/cli`: Airflow's own interpreter with the CLI
imported once, running each request in a forked child so a command costs a fork, not Airflow's
multi-second import.

MWAA runs CLI commands on its web servers; so does this: the web container's group
(emulator/container/runtime/group.py) loads this file, warms it and forks it beside the web servers, so it
shares their Airflow. It imports only the standard library and Airflow, never mwaa-local's
packages. The edge talks to it over a Unix socket on a volume only the two containers mount, one
JSON line each way per connection:

    {"op": "cli", "argv": ["dags", "list"]}   → {"stdout": <base64>, "stderr": <base64>, "exit": 0}
    {"op": "user", "username": …, "role": …, "password": …} → {"exit": 0, "stderr": <base64>}

`user` makes sure a FAB user exists with that password and, of the default roles, exactly that
one (custom roles an Admin gave it stay), as MWAA re-syncs roles from IAM at every login.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socketserver
import sys
import tempfile
import traceback
from collections.abc import Callable
from typing import Any

DEFAULT_ROLES = ("Admin", "Op", "User", "Viewer", "Public")
# Command modules most calls need, imported before any fork so no child pays for them.
WARM_MODULES = (
    "airflow.__main__",
    "airflow.cli.cli_parser",
    "airflow.cli.commands.dag_command",
    "airflow.cli.commands.task_command",
    "airflow.cli.commands.variable_command",
    "airflow.cli.commands.connection_command",
    "airflow.cli.commands.provider_command",
    "airflow.providers.fab.auth_manager.cli_commands.utils",
)


def _run_cli(request: dict[str, Any]) -> int:
    import airflow.__main__

    sys.argv = ["airflow", *[str(argument) for argument in request["argv"]]]
    try:
        airflow.__main__.main()
    except SystemExit as stopped:
        if stopped.code is None or isinstance(stopped.code, int):
            return stopped.code or 0
        print(stopped.code, file=sys.stderr)
        return 1
    return 0


def _sync_user(request: dict[str, Any]) -> int:
    """FAB's own app builder (what `airflow users …` uses), in this process, never the web
    server's: building it there would replace the running server's auth manager."""
    from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder
    from werkzeug.security import generate_password_hash

    username, role_name, password = request["username"], request["role"], request["password"]
    if role_name not in DEFAULT_ROLES:
        print(f"{role_name} is not one of Airflow's default roles", file=sys.stderr)
        return 2
    with get_application_builder() as builder:
        manager = builder.sm
        role = manager.find_role(role_name)
        if role is None:  # the web server has not synced the default roles yet
            manager.sync_roles()
            role = manager.find_role(role_name)
        user = manager.find_user(username=username)
        if user is None:
            email = f"{username.replace('/', '.')}@mwaa-local.invalid"
            if not manager.add_user(username, username, "-", email, role, password):
                print(f"could not create the Airflow user {username}", file=sys.stderr)
                return 1
            return 0
        # MWAA re-syncs the default roles from IAM at every login; other roles an Admin gave stay.
        user.roles = [kept for kept in user.roles if kept.name not in DEFAULT_ROLES] + [role]
        # The hash set directly: FAB's reset_password would end the user's other sessions.
        user.password = generate_password_hash(password)
        user.active = True
        manager.update_user(user)
    return 0


OPERATIONS: dict[str, Callable[[dict[str, Any]], int]] = {"cli": _run_cli, "user": _sync_user}


def _encode(data: bytes) -> str:
    return base64.b64encode(data).decode()


def run_captured(request: dict[str, Any]) -> dict[str, Any]:
    """Run the request in this (forked) process with fds 1 and 2 on files; what it printed and
    its exit status. Loggers set up before the fork write to fd 2, so they are caught too."""
    operation = OPERATIONS.get(str(request.get("op")))
    if operation is None:
        return {"exit": 2, "stdout": "", "stderr": _encode(b"unknown operation\n")}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        stdin = os.open(os.devnull, os.O_RDONLY)
        os.dup2(stdin, 0)  # a command asking for confirmation reads end-of-file, as on MWAA
        try:
            status = operation(request)
        except BaseException:  # the child reports every failure; it never takes the server down
            traceback.print_exc()
            status = 1
        sys.stdout.flush()
        sys.stderr.flush()
        out.seek(0)
        err.seek(0)
        return {"exit": status, "stdout": _encode(out.read()), "stderr": _encode(err.read())}


class Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        try:
            request = json.loads(self.rfile.readline())
        except ValueError:
            request = {}
        answer = run_captured(request if isinstance(request, dict) else {})
        self.wfile.write(json.dumps(answer).encode() + b"\n")
        self.wfile.flush()


class Server(socketserver.ForkingMixIn, socketserver.UnixStreamServer):
    # The edge bounds concurrency itself; this only keeps a flood from forking without end.
    max_children = 16


def warm() -> None:
    """Import what commands need before serving, so forked children start with it in memory."""
    import importlib

    for module in WARM_MODULES:
        with contextlib.suppress(ImportError):  # a module this Airflow version does not have
            importlib.import_module(module)
    from airflow.cli import cli_parser

    cli_parser.get_parser()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: cli_runner.py <unix socket path>", file=sys.stderr)
        return 2
    path = argv[0]
    if os.path.exists(path):
        os.unlink(path)
    partial = path + ".binding"
    if os.path.exists(partial):
        os.unlink(partial)
    # The socket accepts from the start (a command sent before the warm-up ends waits in its
    # backlog), so the edge is ready without waiting for Airflow's import.
    with Server(partial, Handler) as server:
        os.chmod(partial, 0o600)
        os.rename(partial, path)  # the socket appears only once it accepts
        warm()
        print(f"mwaa-local: Airflow CLI runner ready on {path}", flush=True)
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
