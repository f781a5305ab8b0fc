"""The metadata database across minor versions: MWAA upgrades or downgrades AirflowVersion within a
major version (docs/reference.md §6, `migrate-db`), so the database follows the version in both directions.

An upgrade needs nothing here: the new version's `init` migrates forward. A downgrade must run
before the older version starts, with the newer Airflow (only it knows the migrations to undo):
its image runs `airflow db downgrade` while the environment's Airflow components are stopped.
"""

from __future__ import annotations

from collections.abc import Callable

from emulator.docker import health_checks, images
from emulator.docker.compose import ComposeProject
from emulator.model import versions
from emulator.model.errors import MwaaLocalError

# Written by init (runtime/airflow_init.py) after each migration: the version the schema is for.
MARKER_TABLE = "mwaa_local_init"
DATABASE_SERVICE = "postgres"
DATABASE_VOLUME = "postgres"  # compose/environment.yaml's volume of the database's data
DATABASE_START_SECONDS = 120
# What keeps running during a downgrade: the database, and what does not touch it.
KEPT_RUNNING = (DATABASE_SERVICE, "redis", "sync")
FAB_PROVIDER = "apache-airflow-providers-fab"


def needs_downgrade(migrated: str, target: str) -> bool:
    """True when the database is at a newer version of the target's major version."""
    before, after = versions.get(migrated), versions.get(target)
    return before.family == after.family and before.release > after.release


def migrated_version(project: ComposeProject) -> str | None:
    """The version init last migrated the database for; None for an environment without a database
    volume yet (a new one) or whose init never finished. Starts the database if it is stopped, or
    has no container (after a `down` that kept the data)."""
    if DATABASE_VOLUME not in project.volumes():
        return None
    if not any(container.ready for container in health_checks.current(project.containers(DATABASE_SERVICE))):
        project.run("up", "--detach", DATABASE_SERVICE)
        if not health_checks.wait_ready(project, DATABASE_SERVICE, DATABASE_START_SECONDS):
            raise MwaaLocalError(f"The database of {project.name} did not start within {DATABASE_START_SECONDS} s.")
    query = f"SELECT airflow_version FROM {MARKER_TABLE}"  # a constant: no user input
    found = project.run(
        "exec", "-T", DATABASE_SERVICE, "psql", "-U", "airflow", "-d", "airflow", "-At", "-c", query, check=False
    )
    version = found.stdout.strip()
    return version if found.returncode == 0 and version in versions.all_versions() else None


def downgrade(project: ComposeProject, migrated: str, target: str) -> None:
    """Stop the Airflow components and undo the migrations newer than `target` with the image of
    `migrated`; init's marker then says `target`, so the older version's init starts at once."""
    stopping = [service for service in project.services() if service not in KEPT_RUNNING]
    project.run("stop", *stopping)
    # Airflow 3's FAB tables have their own migrations: back to what target's provider knows.
    older = versions.get(target)
    fab = older.pinned(FAB_PROVIDER) if older.family >= 3 else None
    ran = project.run(
        "run",
        "--rm",
        "--no-deps",
        "init",
        "downgrade",
        target,
        *([fab] if fab else []),
        check=False,
        environ={"MWAA_LOCAL_AIRFLOW_BASE_IMAGE": images.airflow_image(migrated)},
    )
    if ran.returncode != 0:
        said = "\n".join((ran.stdout + ran.stderr).strip().splitlines()[-15:])
        raise MwaaLocalError(
            f"Downgrading the metadata database from Airflow {migrated} to {target} failed:\n{said}",
            hint=f"The database is still at Airflow {migrated}'s schema; the previous configuration comes back.",
        )


def follow_version(project: ComposeProject, target: str, report: Callable[[str], None]) -> None:
    """Before `target` starts: downgrade the database if a newer minor version migrated it."""
    migrated = migrated_version(project)
    if migrated is not None and needs_downgrade(migrated, target):
        report(f"downgrading the metadata database from Airflow {migrated} to {target}")
        downgrade(project, migrated, target)
