"""Where mwaa-local keeps things, and the settings it reads from the process environment."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from emulator.errors import MwaaLocalError

HOME_VARIABLE = "MWAA_LOCAL_HOME"
CA_BUNDLE_VARIABLE = "MWAA_LOCAL_CA_BUNDLE"

# Region-wide names (one region per machine). An environment's compose project is
# `mwaa-<name>`; the region's name uses `_`, which no `mwaa-<name>` can contain first.
REGION_PROJECT = "mwaa_region"
REGION_NETWORK = "mwaa-local-region"
DEFAULT_REGION = "us-east-1"
ACCOUNT_ID = "000000000000"

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Paths:
    """The files of the project checkout that drive Docker."""

    root: Path

    @property
    def compose_dir(self) -> Path:
        return self.root / "compose"

    @property
    def region_compose(self) -> Path:
        return self.compose_dir / "region.yaml"

    @property
    def environment_compose(self) -> Path:
        return self.compose_dir / "environment.yaml"

    @property
    def no_extra_ca(self) -> Path:
        return self.compose_dir / "no-extra-ca.pem"


def project_paths() -> Paths:
    paths = Paths(PROJECT_ROOT)
    if not paths.environment_compose.exists():
        raise MwaaLocalError(
            f"mwaa-local's compose files are missing under {paths.compose_dir}.",
            hint="Run mwaa-local from a checkout of its repository (scripts/mwaa-local, or pip install -e .).",
        )
    return paths


def default_home() -> Path:
    return Path.home() / ".mwaa-local"


def state_home() -> Path:
    """Machine-wide state: one region and its environments (secrets, records, rendered files)."""
    configured = os.environ.get(HOME_VARIABLE)
    return Path(configured).expanduser().resolve() if configured else default_home()


@dataclass(frozen=True)
class Naming:
    """The Docker names of one state home's region and environments.

    The default home uses the plain names (`mwaa_region`, `mwaa-<name>`). Any other home (a
    test session, a second checkout) gets names of its own, so it never touches the
    projects, networks or volumes of environments a developer has running.
    """

    namespace: str = ""

    @classmethod
    def for_home(cls, home: Path) -> Naming:
        if home.expanduser().resolve() == default_home().expanduser().resolve():
            return cls()
        return cls(hashlib.sha256(str(home.expanduser().resolve()).encode()).hexdigest()[:6])

    @property
    def region_project(self) -> str:
        return f"mwaa_{self.namespace}_region" if self.namespace else REGION_PROJECT

    @property
    def region_network(self) -> str:
        return f"{REGION_NETWORK}-{self.namespace}" if self.namespace else REGION_NETWORK

    def environment_project(self, environment_name: str) -> str:
        """`mwaa-<name>` (compose wants lower case); `mwaa_<namespace>-<name>` in other homes,
        which no default-home project name can equal (those start with `mwaa-`)."""
        lead = f"mwaa_{self.namespace}-" if self.namespace else "mwaa-"
        return lead + environment_name.lower()


def ca_bundle(paths: Paths) -> Path:
    """The extra CA bundle image builds trust (empty file when none is configured)."""
    configured = os.environ.get(CA_BUNDLE_VARIABLE)
    if not configured:
        return paths.no_extra_ca
    bundle = Path(configured).expanduser()
    if not bundle.is_file():
        raise MwaaLocalError(
            f"{CA_BUNDLE_VARIABLE} points at {bundle}, which is not a file.",
            hint="Set it to a PEM file of CA certificates, or unset it.",
        )
    return bundle
