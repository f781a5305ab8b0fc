"""Where mwaa-local keeps things, and every setting it reads from the process environment.

The `MWAA_LOCAL_*` variables a user (or CI) may set are all declared here, once, as `Setting`s,
and read only through them; docs/settings.md lists them (a unit test keeps the two in step).
The variables mwaa-local's render passes to its own containers are not settings: the image reads
those (emulator/model/container_contract.py, compose/*.yaml).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from emulator.model.errors import MwaaLocalError


@dataclass(frozen=True)
class Setting:
    """One variable of the process environment that changes what mwaa-local does."""

    variable: str
    default: str  # what applies when it is unset, as the docs say it
    meaning: str

    def get(self, environ: Mapping[str, str] | None = None) -> str | None:
        """Its value; None when unset (an empty value is returned as given)."""
        return (os.environ if environ is None else environ).get(self.variable)


HOME = Setting(
    "MWAA_LOCAL_HOME",
    "~/.mwaa-local",
    "The state home: the region's and every environment's records, secrets, rendered files and locks.",
)
# The host's names for its state home, given to the control plane: inside its container the
# user's home (Path.home()) is not the host's, so it cannot tell the default home by itself.
NAMESPACE = Setting(
    "MWAA_LOCAL_NAMESPACE",
    "none for the default home, else from the home's path",
    "The prefix of the Docker names (projects, networks, volumes) of this state home's region and environments.",
)
CA_BUNDLE = Setting(
    "MWAA_LOCAL_CA_BUNDLE",
    "none",
    "A PEM bundle of extra CA certificates that image builds and pip trust (an intercepting proxy's).",
)
IMAGE_MIRROR = Setting(
    "MWAA_LOCAL_IMAGE_MIRROR",
    "none (Docker Hub)",
    "A prefix put before every third-party image name (a registry mirror, or `mwaa-local-offline/` for the stand-ins).",
)
PYTHON_IMAGE = Setting(
    "MWAA_LOCAL_PYTHON_IMAGE",
    "the official `python:<minor>-slim-bookworm`",
    "The base image of the Airflow image; it must have the version's Python minor.",
)
COMPOSE_COMMAND = Setting(
    "MWAA_LOCAL_COMPOSE_COMMAND",
    "`docker compose`",
    "The command that runs Docker Compose v2 (e.g. `docker-compose` for the standalone binary).",
)
S3_PORT = Setting(
    "MWAA_LOCAL_S3_PORT",
    "9000, or the port kept from the region's first `up`",
    "The host port of the region's S3 service.",
)
S3_CONSOLE_PORT = Setting(
    "MWAA_LOCAL_S3_CONSOLE_PORT",
    "9001, or as kept",
    ("The host port of the MinIO console."),
)
API_PORT = Setting(
    "MWAA_LOCAL_API_PORT",
    "9010, or as kept",
    ("The host port of the MWAA API."),
)
# Set inside the control plane's container: the S3 service as the region network names it.
S3_ENDPOINT = Setting(
    "MWAA_LOCAL_S3_ENDPOINT",
    "`http://127.0.0.1:<S3 port>`",
    "Where the region's S3 service is reached (the control plane's container sets it).",
)
START_TIMEOUT = Setting(
    "MWAA_LOCAL_START_TIMEOUT",
    "900",
    "Seconds the control plane waits for an environment's services before its job fails (CREATE_FAILED or a rollback).",
)
AUTOSCALE_INTERVAL = Setting(
    "MWAA_LOCAL_AUTOSCALE_INTERVAL", "5", "Seconds between two rounds of the worker autoscaler."
)
SERVERLESS_IDLE_SECONDS = Setting(
    "MWAA_LOCAL_SERVERLESS_IDLE_SECONDS",
    "600",
    "Seconds the MWAA Serverless engine stays up after its last active run before the control plane stops it.",
)
DEBUG = Setting(
    "MWAA_LOCAL_DEBUG", "off", "Any value: an unexpected error prints its traceback instead of the one-line report."
)
SETTINGS = (
    HOME,
    NAMESPACE,
    CA_BUNDLE,
    IMAGE_MIRROR,
    PYTHON_IMAGE,
    COMPOSE_COMMAND,
    S3_PORT,
    S3_CONSOLE_PORT,
    API_PORT,
    S3_ENDPOINT,
    START_TIMEOUT,
    AUTOSCALE_INTERVAL,
    SERVERLESS_IDLE_SECONDS,
    DEBUG,
)

# Region-wide names (one region per machine). An environment's compose project is
# `mwaa-<name>`; the region's name uses `_`, which no `mwaa-<name>` can contain first.
REGION_PROJECT = "mwaa_region"
# The edges' names on the region network end in it (a name no public DNS serves).
EDGE_DOMAIN = "edge.mwaa-local.internal"
REGION_NETWORK = "mwaa-local-region"

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # emulator/, above state/
# The checkout around the package (when running from one; else the folder it is installed in).
PROJECT_ROOT = PACKAGE_DIR.parent
# Where an installed wheel keeps the checkout's files mwaa-local needs (pyproject.toml's
# force-include): compose/, Dockerfile, .dockerignore, scripts/docker/.
DATA_FOLDER = "_data"


@dataclass(frozen=True)
class Paths:
    """The files that drive Docker: the compose files, and what the image is built from.

    `root` holds compose/, Dockerfile, .dockerignore and scripts/docker/ (a checkout, or an
    installed package's `emulator/_data`); `package_root` is the folder holding the `emulator`
    package, whose container side (runtime, sync, versions data) goes into the image too.
    """

    root: Path
    package_root: Path | None = None

    @property
    def sources(self) -> Path:
        """The folder holding the `emulator` package (the checkout itself in a checkout)."""
        return self.package_root if self.package_root is not None else self.root

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

    @property
    def configuration_dockerfile(self) -> Path:
        """The configured image's recipe: an environment's requirements, plugins and startup script."""
        return self.compose_dir / "configuration.Dockerfile"

    @property
    def dockerfile(self) -> Path:
        return self.root / "Dockerfile"

    def missing(self) -> list[Path]:
        """Which of the files `up` needs are not there."""
        needed = (
            self.region_compose,
            self.environment_compose,
            self.no_extra_ca,
            self.configuration_dockerfile,
            self.dockerfile,
            self.root / ".dockerignore",
            self.root / "scripts" / "docker" / "pip-install",
        )
        return [path for path in needed if not path.is_file()]


def project_paths(package_dir: Path = PACKAGE_DIR) -> Paths:
    """The checkout's files when the package runs from a checkout (scripts/mwaa-local,
    pip install -e .), else the copies an installed wheel carries in `emulator/_data`."""
    checkout = Paths(package_dir.parent)
    if not checkout.missing():
        return checkout
    installed = Paths(package_dir / DATA_FOLDER, package_dir.parent)
    if not installed.missing():
        return installed
    raise MwaaLocalError(
        "mwaa-local's compose files and image build files are missing: neither the checkout "
        f"{checkout.root} nor the installed package's {installed.root} has "
        + ", ".join(path.relative_to(installed.root).as_posix() for path in installed.missing())
        + ".",
        hint="Reinstall mwaa-local (pip install --force-reinstall mwaa-local), or run it from a checkout "
        "of its repository (scripts/mwaa-local, or pip install -e .).",
    )


def default_home() -> Path:
    return Path.home() / ".mwaa-local"


def state_home() -> Path:
    """Machine-wide state: one region and its environments (secrets, records, rendered files)."""
    configured = HOME.get()
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
        given = NAMESPACE.get()
        if given is not None:
            return cls(given)
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

    def web_host(self, environment_name: str) -> str:
        """The name an environment's web container has on its own network: Airflow 3's workers
        and the edge call the API server by it. Unique, because that container also joins the
        region network, where its service name would name every environment's web servers."""
        digest = hashlib.sha256(self.environment_project(environment_name).encode()).hexdigest()[:12]
        return f"mwaa-web-{digest}"

    def edge_host(self, environment_name: str) -> str:
        """The name an environment's edge has on the region network (the control plane calls it
        for InvokeRestApi; its certificate names it): unique per project, under EDGE_DOMAIN, the
        one domain the machine's CA may sign for besides localhost."""
        digest = hashlib.sha256(self.environment_project(environment_name).encode()).hexdigest()[:12]
        return f"mwaa-edge-{digest}.{EDGE_DOMAIN}"


def ca_bundle(paths: Paths) -> Path:
    """The extra CA bundle image builds trust (empty file when none is configured)."""
    configured = CA_BUNDLE.get()
    if not configured:
        return paths.no_extra_ca
    bundle = Path(configured).expanduser()
    if not bundle.is_file():
        raise MwaaLocalError(
            f"{CA_BUNDLE.variable} points at {bundle}, which is not a file.",
            hint="Set it to a PEM file of CA certificates, or unset it.",
        )
    return bundle
