"""Rendering an environment record into what `docker compose` reads.

Two files per environment: `compose.env` (plain variables the compose file interpolates:
images, counts, ports, bucket) and `airflow-env.yaml` (a compose override giving every
Airflow service its configuration). Airflow options may hold any printable character, so
they go through YAML rather than an env file; `$` is doubled so compose keeps it literal.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import yaml

from emulator.docker import images
from emulator.model import aws_access, container_variables, topology
from emulator.model.account import DEFAULT_REGION
from emulator.model.airflow_config import (
    EnvironmentSecrets,
    api_server_url,
    component_environment,
    essential_names,
)
from emulator.model.container_contract import COMPONENTS_VARIABLE, WEB_SERVERS_VARIABLE
from emulator.model.errors import EnvironmentConfigError
from emulator.model.record import EnvironmentRecord
from emulator.model.reserved import ESSENTIAL_VARIABLE
from emulator.model.timings import PROFILES
from emulator.state.edge_credentials import EdgeCredentials
from emulator.state.home import DEFAULT_HTTPS_PORT, LocalSettings, RoleCredentials
from emulator.state.settings import Naming

# Services of compose/environment.yaml that run Airflow (the image's Airflow components).
AIRFLOW_SERVICES = (
    "init",
    "scheduler",
    "worker",
    "hybrid",
    "webserver",
    "api-server",
    "edge",
)
# The services that run the environment's web servers (emulator/container/runtime/group.py).
WEB_SERVICES = ("webserver", "api-server")


def edge_variables(edge: EdgeCredentials | None, web_host: str) -> dict[str, str]:
    """The edge's own material (emulator/container/edge/serve.py), per environment and never in an image."""
    if edge is None:
        return {}
    return {
        "MWAA_LOCAL_EDGE_TOKEN_KEY": edge.token_key.hex(),
        "MWAA_LOCAL_EDGE_CERTIFICATE": base64.b64encode(edge.certificate_pem.encode()).decode(),
        "MWAA_LOCAL_EDGE_KEY": base64.b64encode(edge.key_pem.encode()).decode(),
        "MWAA_LOCAL_EDGE_UPSTREAM": api_server_url(web_host),
    }


@dataclass(frozen=True)
class Configured:
    """The configured image: its build context and the hash of its inputs (the version's image
    and the configuration), which names and labels it."""

    context: str
    build_hash: str


@dataclass(frozen=True)
class RenderedEnvironment:
    compose_env: dict[str, str]
    airflow_override: dict[str, object]


def worker_replicas(record: EnvironmentRecord, existing: int) -> int:
    """The workers a start keeps: MinWorkers, or as many as run now when the autoscaler added
    some. Never fewer than exist, so compose removes none (it would pick them, mid-task or not);
    the autoscaler drains what is no longer needed."""
    return max(record.min_workers, existing)


def web_url(settings: LocalSettings) -> str:
    """The Airflow UI over plain http: the edge's plain port, proxied to the web servers."""
    return f"http://localhost:{settings.web_port}"


def https_port(settings: LocalSettings) -> int:
    """The edge's port; 8443 for settings saved before the edge existed (`up` gives them one)."""
    return settings.https_port or DEFAULT_HTTPS_PORT


def webserver_url(settings: LocalSettings) -> str:
    """MWAA's WebserverUrl (a host, no scheme): the edge's https port."""
    return f"localhost:{https_port(settings)}"


def web_bind(record: EnvironmentRecord) -> str:
    """WebserverAccessMode: PRIVATE_ONLY serves the UI on this machine only (loopback),
    PUBLIC_ONLY on every interface, as MWAA's public web server is reachable from anywhere. Only
    the https WebserverUrl: the plain-http UI port always stays on this machine (compose file)."""
    return "0.0.0.0" if record.fields.get("WebserverAccessMode") == "PUBLIC_ONLY" else "127.0.0.1"


def sync_interval(settings: LocalSettings) -> float:
    """Seconds between two syncs: the environment's own setting, else its timings profile's."""
    return settings.sync_interval or PROFILES[settings.timings].sync_interval


def escape(value: str) -> str:
    return value.replace("$", "$$")


def render_environment(
    record: EnvironmentRecord,
    settings: LocalSettings,
    secrets: EnvironmentSecrets,
    role: RoleCredentials,
    build_hash: str,
    ca_bundle: str,
    naming: Naming | None = None,
    build_context: str | None = None,
    configured: Configured | None = None,
    edge: EdgeCredentials | None = None,
    existing_workers: int = 0,
) -> RenderedEnvironment:
    """`build_context`: the folder the image is built from (`up` assembles it under the state
    home); without it compose/environment.yaml falls back to the checkout around it.
    `configured`: the environment's configured image, when it has configuration files.
    `existing_workers`: the worker containers the environment has now."""
    version = record.airflow_version
    timings = PROFILES[settings.timings]
    web_host = (naming or Naming()).web_host(record.name)
    chosen = settings.image_settings  # None: this process's variables
    compose_env = {
        "COMPOSE_PROFILES": ",".join(topology.profiles(record)),
        "MWAA_LOCAL_ENV_NAME": record.name,
        "MWAA_LOCAL_REGION": DEFAULT_REGION,
        "MWAA_LOCAL_REGION_NETWORK": (naming or Naming()).region_network,
        "MWAA_LOCAL_AIRFLOW_VERSION": version.version,
        "MWAA_LOCAL_PYTHON_VERSION": version.python,
        "MWAA_LOCAL_AIRFLOW_BASE_IMAGE": images.airflow_image(version.version),
        "MWAA_LOCAL_AIRFLOW_IMAGE": images.airflow_image(version.version),
        "MWAA_LOCAL_BASE_IMAGE": images.python_image(version.python, chosen),
        "MWAA_LOCAL_POSTGRES_IMAGE": images.mirrored(images.POSTGRES, chosen),
        "MWAA_LOCAL_REDIS_IMAGE": images.mirrored(images.REDIS, chosen),
        "MWAA_LOCAL_BUILD_HASH": build_hash,
        "MWAA_LOCAL_CA_BUNDLE": ca_bundle,
        "MWAA_LOCAL_POSTGRES_PASSWORD": secrets.postgres_password,
        "MWAA_LOCAL_WORKERS": str(worker_replicas(record, existing_workers)),
        "MWAA_LOCAL_WEB_PORT": str(settings.web_port),
        "MWAA_LOCAL_HTTPS_PORT": str(https_port(settings)),
        "MWAA_LOCAL_EDGE_HOST": (naming or Naming()).edge_host(record.name),
        "MWAA_LOCAL_WEB_HOST": web_host,
        "MWAA_LOCAL_WEB_BIND": web_bind(record),
        "MWAA_LOCAL_S3_ENDPOINT": aws_access.S3_ENDPOINT_IN_REGION,
        # The sync reads the bucket as the execution role, as MWAA's does: never with the region's keys.
        "MWAA_LOCAL_S3_ACCESS_KEY": role.access_key,
        "MWAA_LOCAL_S3_SECRET_KEY": role.secret_key,
        "MWAA_LOCAL_BUCKET": record.bucket,
        "MWAA_LOCAL_DAG_S3_PATH": record.dag_s3_path,
        "MWAA_LOCAL_SYNC_INTERVAL": f"{sync_interval(settings):g}",
    }
    if build_context is not None:
        compose_env["MWAA_LOCAL_BUILD_CONTEXT"] = build_context
    if configured is not None:
        compose_env |= {
            "MWAA_LOCAL_AIRFLOW_IMAGE": images.configured_image(version.version, configured.build_hash),
            "MWAA_LOCAL_CONFIGURATION_CONTEXT": configured.context,
            "MWAA_LOCAL_CONFIGURATION_HASH": configured.build_hash,
        }
    shared = {
        **component_environment(record, timings, secrets, web_url(settings), web_host),
        **container_variables.service_variables(record, secrets, settings.environment_id, web_host),
        **aws_access.task_variables(role.access_key, role.secret_key, settings.aws_endpoints),
        # What a startup script's exports cannot change (emulator/container/runtime/startup_script.py).
        ESSENTIAL_VARIABLE: ",".join(sorted(essential_names(record))),
    }
    services: dict[str, object] = {}
    for service in AIRFLOW_SERVICES:
        variables = {**shared, **container_variables.component_variables(service, record)}
        if service == "init":
            variables["MWAA_LOCAL_ADMIN_PASSWORD"] = secrets.admin_password
        if service == "edge":
            variables |= edge_variables(edge, web_host)
        if service == "scheduler":
            variables[COMPONENTS_VARIABLE] = ",".join(topology.scheduler_components(record))
        if service == "hybrid":
            variables[COMPONENTS_VARIABLE] = ",".join(topology.hybrid_components(record))
        if service in WEB_SERVICES:
            variables[WEB_SERVERS_VARIABLE] = str(record.min_webservers)
        services[service] = {"environment": {key: escape(value) for key, value in variables.items()}}
    return RenderedEnvironment(compose_env, {"services": services})


def env_file_text(variables: dict[str, str]) -> str:
    """An env file compose reads unchanged: single-quoted values are taken literally."""
    lines = []
    for key, value in variables.items():
        if "'" in value or "\n" in value:
            raise EnvironmentConfigError(
                f"{key} would be {value!r}, which holds a quote or a line break that compose's env file "
                "cannot carry literally.",
                hint="Remove quotes and line breaks from that setting (a path, a bucket or an image name).",
            )
        lines.append(f"{key}='{value}'")
    return "\n".join(lines) + "\n"


def override_text(override: dict[str, object]) -> str:
    header = "# Rendered by mwaa-local from the environment record; edits are overwritten.\n"
    return header + yaml.safe_dump(override, sort_keys=True, default_flow_style=False)
