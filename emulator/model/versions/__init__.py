"""The Airflow versions MWAA runs, with the Python, constraints and pins MWAA uses for each.

The data under `data/` is MWAA's (see `data/versions.json` for its source): one folder per
version holding Apache's constraints file, MWAA's base packages and MWAA's essential pins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from emulator.model.errors import EnvironmentConfigError

DATA_DIR = Path(__file__).parent / "data"
# Per version: Apache's constraints, MWAA's base packages (with ${AIRFLOW_VERSION} for the
# version) and MWAA's essential pins; the Dockerfile installs from them.
DATA_FILES = ("airflow-constraints.txt", "mwaa-base-packages.txt", "mwaa-essential-constraints.txt")


class UnsupportedVersionError(EnvironmentConfigError, ValueError):
    """An Airflow version MWAA does not run (a ValueError too, as it was before it joined the tree)."""


@dataclass(frozen=True)
class AirflowVersion:
    version: str
    python: str
    python_patch: str
    family: int
    constraints_url: str

    @property
    def release(self) -> tuple[int, ...]:
        """The version as numbers, for comparisons: `3.2.1` → (3, 2, 1)."""
        return _sort_key(self.version)

    @property
    def data_dir(self) -> Path:
        return DATA_DIR / self.version

    def pinned(self, package: str) -> str | None:
        """The version this Airflow version's image installs `package` at: MWAA's essential pin,
        else Apache's constraint (both `name==version` lines); None when neither pins it."""
        for file_name in ("mwaa-essential-constraints.txt", "airflow-constraints.txt"):
            for line in (self.data_dir / file_name).read_text().splitlines():
                name, _, pin = line.partition("==")
                if pin and name.strip().lower() == package.lower():
                    return pin.strip()
        return None


@cache
def _table() -> tuple[str, dict[str, AirflowVersion]]:
    raw = json.loads((DATA_DIR / "versions.json").read_text())
    versions = {
        name: AirflowVersion(
            version=name,
            python=entry["python"],
            python_patch=entry["python_patch"],
            family=entry["family"],
            constraints_url=entry["constraints_url"],
        )
        for name, entry in raw["versions"].items()
    }
    return raw["default"], versions


def default_version() -> str:
    """The version MWAA picks when CreateEnvironment names none: its newest."""
    return _table()[0]


def all_versions() -> dict[str, AirflowVersion]:
    return dict(_table()[1])


def get(version: str) -> AirflowVersion:
    versions = _table()[1]
    if version not in versions:
        known = ", ".join(sorted(versions, key=_sort_key))
        raise UnsupportedVersionError(
            f"Airflow {version} is not a version Amazon MWAA runs. Supported versions: {known}.",
            hint="Set AirflowVersion in environment.json (or pass --airflow-version) to one of the supported "
            f"versions; leave it out for MWAA's newest, {default_version()}.",
        )
    return versions[version]


def _sort_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def python_minors() -> set[str]:
    return {entry.python for entry in _table()[1].values()}
