"""One-shot initialisation of an environment, safe to run on every `up`: migrate the metadata
database (MWAA's `migrate-db` step), then make sure the default login user exists and has the
password kept in the environment's state."""

from __future__ import annotations

import os
import subprocess
import sys
import time

ADMIN_USER = "admin"
PASSWORD_VARIABLE = "MWAA_LOCAL_ADMIN_PASSWORD"


def airflow(*arguments: str) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    result = subprocess.run(["airflow", *arguments], capture_output=True, text=True)
    elapsed = time.monotonic() - started
    print(f"init: airflow {arguments[0]} {arguments[1]} → exit {result.returncode} in {elapsed:.1f}s", flush=True)
    if result.returncode != 0:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        raise SystemExit(f"init: `airflow {' '.join(arguments[:2])}` failed (see above)")
    return result


def ensure_admin(password: str) -> None:
    created = airflow(
        "users",
        "create",
        "--username",
        ADMIN_USER,
        "--password",
        password,
        "--role",
        "Admin",
        "--firstname",
        "Local",
        "--lastname",
        "Admin",
        "--email",
        "admin@mwaa-local.invalid",
    )
    if "already exist" in created.stdout + created.stderr:
        airflow("users", "reset-password", "--username", ADMIN_USER, "--password", password)


def main() -> int:
    password = os.environ.get(PASSWORD_VARIABLE)
    if not password:
        print(f"init: {PASSWORD_VARIABLE} is not set", file=sys.stderr)
        return 2
    airflow("db", "migrate")
    ensure_admin(password)
    print("init: environment initialised", flush=True)
    return 0
