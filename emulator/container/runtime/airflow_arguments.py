"""Airflow CLI arguments built from values, each option and its value in one `--option=value`
argument: a value starting with `-` (a generated password can) is never read as an option.

Standard library only: airflow_init.py imports it on Airflow's own interpreter.
"""

from __future__ import annotations


def option(name: str, value: str) -> str:
    """`--name=value`, which argparse reads as the option and its value whatever the value is."""
    return f"--{name}={value}"


def users_create(username: str, password: str, role: str, firstname: str, lastname: str, email: str) -> list[str]:
    """`airflow users create` for one user with this password."""
    return [
        "users",
        "create",
        option("username", username),
        option("password", password),
        option("role", role),
        option("firstname", firstname),
        option("lastname", lastname),
        option("email", email),
    ]


def users_reset_password(username: str, password: str) -> list[str]:
    """`airflow users reset-password` to this password."""
    return ["users", "reset-password", option("username", username), option("password", password)]


def db_downgrade(to_version: str) -> list[str]:
    """`airflow db downgrade` to an older version's schema, without asking."""
    return ["db", "downgrade", option("to-version", to_version), "--yes"]


def fab_db_downgrade(to_version: str) -> list[str]:
    """`airflow fab-db downgrade` to the FAB provider version's schema, without asking (Airflow 3:
    the FAB tables have migrations of their own, which `db downgrade` leaves alone)."""
    return ["fab-db", "downgrade", option("to-version", to_version), "--yes"]
