"""Initialise an environment: migrate the metadata database (MWAA's `migrate-db` step) and make
sure the login user `admin` exists with the password kept in the environment's state; or, with
`downgrade <version>`, take the database back to an older minor version's schema.

Runs on Airflow's own interpreter (it imports Airflow, psycopg2 and werkzeug from there, and of
mwaa-local's only the standard-library module airflow_arguments next to it), so the Airflow CLI
runs in this process instead of one process a command. Safe on every `up` and quick when there
is nothing to do: the migration is skipped while the database is at the revisions this Airflow
version left it at, and the user is left alone while its password is the expected one. Option
values go in the `--option=value` form, so a password starting with `-` is never an option.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import psycopg2
from werkzeug.security import check_password_hash

if __package__:  # imported as part of mwaa-local (tests, type checks)
    from emulator.container.runtime.airflow_arguments import (
        db_downgrade,
        fab_db_downgrade,
        users_create,
        users_reset_password,
    )
else:  # run as a script on Airflow's interpreter (init.py): this folder is sys.path[0]
    from airflow_arguments import (  # type: ignore[import-not-found,no-redef]
        db_downgrade,
        fab_db_downgrade,
        users_create,
        users_reset_password,
    )

ADMIN_USER = "admin"
PASSWORD_VARIABLE = "MWAA_LOCAL_ADMIN_PASSWORD"
MARKER_TABLE = "mwaa_local_init"
REVISION_TABLES = ("alembic_version", "alembic_version_fab")


def log(message: str) -> None:
    print(f"init: {message}", flush=True)


DATABASE_WAIT_SECONDS = 120.0  # a first start runs initdb; a busy machine takes a while


def connect(wait: float = DATABASE_WAIT_SECONDS) -> Any:
    """A connection to the metadata database, waiting while Postgres starts (init starts beside
    it rather than after its health check)."""
    url = os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].replace("postgresql+psycopg2://", "postgresql://", 1)
    deadline = time.monotonic() + wait
    while True:
        try:
            connection = psycopg2.connect(url, connect_timeout=5)
            break
        except psycopg2.OperationalError as error:
            if time.monotonic() > deadline:
                raise
            if "password authentication failed" in str(error):
                raise  # not a database still starting
            time.sleep(0.2)
    connection.autocommit = True
    return connection


def table_exists(cursor: Any, table: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", (table,))
    return bool(cursor.fetchone()[0])


def revisions(cursor: Any) -> str:
    """The schema revisions the database is at (Airflow's, and FAB's where it has its own)."""
    found = []
    for table in REVISION_TABLES:
        if table_exists(cursor, table):
            cursor.execute(f"SELECT version_num FROM {table}")  # table names are constants
            found += [f"{table}={row[0]}" for row in cursor.fetchall()]
    return ",".join(sorted(found))


def migrated_already(cursor: Any, airflow_version: str) -> bool:
    if not table_exists(cursor, MARKER_TABLE):
        return False
    cursor.execute(f"SELECT airflow_version, revisions FROM {MARKER_TABLE}")
    return bool(cursor.fetchone() == (airflow_version, revisions(cursor)))


def remember_migration(cursor: Any, airflow_version: str) -> None:
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (airflow_version text, revisions text)")
    cursor.execute(f"DELETE FROM {MARKER_TABLE}")
    cursor.execute(f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s)", (airflow_version, revisions(cursor)))


def admin_password_matches(cursor: Any, password: str) -> bool | None:
    """True or False for the admin user's password; None when there is no such user yet."""
    if not table_exists(cursor, "ab_user"):
        return None
    cursor.execute("SELECT password FROM ab_user WHERE username = %s", (ADMIN_USER,))
    row = cursor.fetchone()
    return None if row is None else check_password_hash(row[0] or "", password)


class AirflowCli:
    """The Airflow CLI, run in this process."""

    def __init__(self) -> None:
        from airflow.cli import cli_parser

        self.parser = cli_parser.get_parser()

    def __call__(self, *arguments: str) -> None:
        started = time.monotonic()
        parsed = self.parser.parse_args(list(arguments))
        parsed.func(parsed)
        log(f"airflow {arguments[0]} {arguments[1]} done in {time.monotonic() - started:.1f}s")


def downgrade(target: str, fab_version: str | None = None) -> int:
    """Undo the migrations newer than `target` (run with the newer Airflow, before `target` starts),
    and on Airflow 3 those of the FAB tables newer than the FAB provider `target` installs."""
    with connect() as connection, connection.cursor() as cursor:
        airflow = AirflowCli()
        airflow(*db_downgrade(target))
        if fab_version and table_exists(cursor, "alembic_version_fab"):
            airflow(*fab_db_downgrade(fab_version))
        remember_migration(cursor, target)
    log(f"database downgraded for Airflow {target}")
    return 0


def init() -> int:
    password = os.environ.get(PASSWORD_VARIABLE)
    if not password:
        log(f"{PASSWORD_VARIABLE} is not set")
        return 2
    version = os.environ["AIRFLOW_VERSION"]
    airflow: AirflowCli | None = None
    with connect() as connection, connection.cursor() as cursor:
        if migrated_already(cursor, version):
            log(f"database already migrated for Airflow {version}")
        else:
            airflow = AirflowCli()
            airflow("db", "migrate")
            remember_migration(cursor, version)
        matches = admin_password_matches(cursor, password)
    if matches is None:
        airflow = airflow or AirflowCli()
        airflow(*users_create(ADMIN_USER, password, "Admin", "Local", "Admin", "admin@mwaa-local.invalid"))
    elif not matches:
        airflow = airflow or AirflowCli()
        airflow(*users_reset_password(ADMIN_USER, password))
    else:
        log(f"user {ADMIN_USER} is ready")
    log("environment initialised")
    return 0


def main(arguments: list[str]) -> int:
    if arguments[:1] == ["downgrade"] and len(arguments) in (2, 3):
        return downgrade(*arguments[1:])
    if arguments in ([], ["init"]):
        return init()
    log(f"usage: init | downgrade <version> [<fab provider version>] (got {' '.join(arguments)})")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
