import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator.docker.render import (
    AIRFLOW_SERVICES,
    RenderedEnvironment,
    env_file_text,
    override_text,
    render_environment,
)
from emulator.model.airflow_config import BROKER_URL, DB_HOST, EnvironmentSecrets
from emulator.model.errors import EnvironmentConfigError
from emulator.model.record import build_record
from emulator.state.edge_credentials import EdgeCredentials
from emulator.state.home import LocalSettings, RoleCredentials
from emulator.state.settings import REGION_NETWORK, Naming

ROOT = Path(__file__).resolve().parents[3]
SECRETS = EnvironmentSecrets("fernet=", "web", "jwt", "pg", "admin$pass")
ROLE = RoleCredentials("ASIAROLEKEY0000000001", "role-secret")
ENVIRONMENT_ID = "0123456789abcdef"
NO_EMULATOR = "http://no-aws-emulator-configured.invalid"
# The container command MWAA runs each compose service's process under (docs/reference.md §14.1).
MWAA_COMMANDS = {
    "init": "migrate-db",
    "scheduler": "scheduler",
    "triggerer": "scheduler",
    "worker": "worker",
    "hybrid": "hybrid",
    "webserver": "webserver",
    "api-server": "webserver",
    "edge": "webserver",
}


def settings(**changes: Any) -> LocalSettings:
    return dataclasses.replace(LocalSettings(environment_id=ENVIRONMENT_ID), **changes)


def rendered(given: dict, local: LocalSettings | None = None, naming: Naming | None = None) -> RenderedEnvironment:
    return render_environment(
        build_record(given), local or settings(), SECRETS, ROLE, "hash", "/ca.pem", naming or Naming()
    )


def service_environments(given: dict, local: LocalSettings | None = None) -> dict[str, dict[str, str]]:
    """Each Airflow service's environment as compose reads it (through the written YAML)."""
    override = yaml.safe_load(override_text(rendered(given, local).airflow_override))
    return {name: service["environment"] for name, service in override["services"].items()}


def compose_file(name: str = "environment.yaml") -> dict:
    return yaml.safe_load((ROOT / "compose" / name).read_text())


@pytest.fixture(autouse=True)
def no_image_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MWAA_LOCAL_IMAGE_MIRROR", raising=False)
    monkeypatch.delenv("MWAA_LOCAL_PYTHON_IMAGE", raising=False)


def test_a_public_web_server_listens_on_every_interface_over_https_only() -> None:
    env = rendered({"WebserverAccessMode": "PUBLIC_ONLY"}, settings()).compose_env
    assert env["MWAA_LOCAL_WEB_BIND"] == "0.0.0.0"
    published = compose_file()["services"]["edge"]["ports"]
    https = [port for port in published if port.endswith(":8443")]
    plain = [port for port in published if port.endswith(":8080")]
    assert https == ["${MWAA_LOCAL_WEB_BIND:-127.0.0.1}:${MWAA_LOCAL_HTTPS_PORT:?}:8443"]
    assert plain == ["127.0.0.1:${MWAA_LOCAL_WEB_PORT:-8080}:8080"], "the password form never leaves this machine"


def test_compose_variables_come_from_the_record() -> None:
    env = rendered(
        {"AirflowVersion": "2.10.3", "MinWorkers": 2, "Schedulers": 3}, settings(web_port=9090, timings="dev")
    ).compose_env
    assert env["COMPOSE_PROFILES"] == "airflow2,split"
    assert env["MWAA_LOCAL_AIRFLOW_IMAGE"] == "mwaa-local/airflow:2.10.3"
    assert env["MWAA_LOCAL_PYTHON_VERSION"] == "3.11"
    assert env["MWAA_LOCAL_BASE_IMAGE"] == "python:3.11-slim-bookworm"
    assert env["MWAA_LOCAL_WORKERS"] == "2"
    assert env["MWAA_LOCAL_WEB_PORT"] == "9090"
    assert env["MWAA_LOCAL_WEB_BIND"] == "127.0.0.1", "PRIVATE_ONLY (the default) serves this machine only"
    assert env["MWAA_LOCAL_SYNC_INTERVAL"] == "0.5"
    assert (env["MWAA_LOCAL_BUCKET"], env["MWAA_LOCAL_DAG_S3_PATH"]) == ("mwaa-local", "dags")
    assert env["MWAA_LOCAL_REGION"] == "us-east-1"
    assert env["MWAA_LOCAL_S3_ENDPOINT"] == "http://s3:9000"
    # The sync reads the bucket as the execution role.
    assert (env["MWAA_LOCAL_S3_ACCESS_KEY"], env["MWAA_LOCAL_S3_SECRET_KEY"]) == (ROLE.access_key, ROLE.secret_key)


def test_the_shape_follows_the_class_and_version() -> None:
    split3 = rendered({"AirflowVersion": "3.3.1"})
    assert split3.compose_env["COMPOSE_PROFILES"] == "airflow3,split"
    scheduler = split3.airflow_override["services"]["scheduler"]["environment"]  # type: ignore[index]
    # mw1.small's two scheduler tasks, a triggerer in each, and the dag-processor: one container.
    assert scheduler["MWAA_LOCAL_COMPONENTS"] == "scheduler,triggerer,scheduler,triggerer,dag-processor"
    split2 = rendered({"AirflowVersion": "2.10.3", "Schedulers": 3})
    scheduler2 = split2.airflow_override["services"]["scheduler"]["environment"]  # type: ignore[index]
    assert scheduler2["MWAA_LOCAL_COMPONENTS"] == "scheduler,triggerer,scheduler,triggerer,scheduler,triggerer"
    micro3 = rendered({"AirflowVersion": "3.3.1", "EnvironmentClass": "mw1.micro"})
    assert micro3.compose_env["COMPOSE_PROFILES"] == "airflow3,hybrid", "no separate scheduler, worker or dag-processor"
    hybrid = micro3.airflow_override["services"]["hybrid"]["environment"]  # type: ignore[index]
    assert hybrid["MWAA_LOCAL_COMPONENTS"] == "scheduler,dag-processor,triggerer,worker"
    assert hybrid["AIRFLOW__CELERY__WORKER_AUTOSCALE"] == "3,3"
    micro2 = rendered({"AirflowVersion": "2.10.3", "EnvironmentClass": "mw1.micro"})
    assert micro2.compose_env["COMPOSE_PROFILES"] == "airflow2,hybrid"
    hybrid2 = micro2.airflow_override["services"]["hybrid"]["environment"]  # type: ignore[index]
    assert hybrid2["MWAA_LOCAL_COMPONENTS"] == "scheduler,triggerer,worker"


def web_servers(given: dict[str, object]) -> str:
    """What the web container is told to run (MWAA_LOCAL_WEBSERVERS), for either family."""
    override = rendered(given).airflow_override["services"]
    service = "api-server" if str(given.get("AirflowVersion", "3")).startswith("3") else "webserver"
    return override[service]["environment"]["MWAA_LOCAL_WEBSERVERS"]  # type: ignore[index,no-any-return]


def test_min_webservers_web_servers_run() -> None:
    assert web_servers({}) == "2", "mw1.small's default MinWebservers"
    assert web_servers({"MinWebservers": 4, "MaxWebservers": 5}) == "4"
    assert web_servers({"EnvironmentClass": "mw1.micro"}) == "1"
    assert web_servers({"AirflowVersion": "2.10.3", "MinWebservers": 3, "MaxWebservers": 3}) == "3"


def test_turning_the_triggerer_off_runs_none() -> None:
    given = {"Schedulers": 3, "AirflowConfigurationOptions": {"mwaa.triggerer_enabled": "False"}}
    scheduler = rendered(given).airflow_override["services"]["scheduler"]["environment"]  # type: ignore[index]
    assert scheduler["MWAA_LOCAL_COMPONENTS"] == "scheduler,scheduler,scheduler,dag-processor"
    micro = {"EnvironmentClass": "mw1.micro", "AirflowConfigurationOptions": {"mwaa.triggerer_enabled": "false"}}
    hybrid = rendered(micro).airflow_override["services"]["hybrid"]["environment"]  # type: ignore[index]
    assert hybrid["MWAA_LOCAL_COMPONENTS"] == "scheduler,dag-processor,worker"


@pytest.mark.parametrize(("existing", "kept"), [(0, 2), (1, 2), (2, 2), (4, 4), (7, 7)])
def test_a_start_keeps_the_workers_the_autoscaler_added(existing: int, kept: int) -> None:
    """`up` (or an update) never scales a scaled-out environment back to MinWorkers, nor below
    what exists (compose would pick the workers to remove, running tasks or not)."""
    record = build_record({"MinWorkers": 2, "MaxWorkers": 5})
    env = render_environment(
        record, settings(), SECRETS, ROLE, "hash", "/ca.pem", Naming(), existing_workers=existing
    ).compose_env
    assert env["MWAA_LOCAL_WORKERS"] == str(kept)


def test_image_mirror_prefixes_every_third_party_image(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MWAA_LOCAL_IMAGE_MIRROR", "mirror.example/")
    env = rendered({}).compose_env
    assert env["MWAA_LOCAL_BASE_IMAGE"] == "mirror.example/python:3.12-slim-bookworm"
    assert env["MWAA_LOCAL_POSTGRES_IMAGE"] == "mirror.example/postgres:15-bookworm"
    assert env["MWAA_LOCAL_REDIS_IMAGE"] == "mirror.example/redis:7.2-bookworm"
    assert env["MWAA_LOCAL_AIRFLOW_IMAGE"] == "mwaa-local/airflow:3.3.1", "our own image is never mirrored"


def test_python_image_setting_replaces_the_base_image_mirror_or_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MWAA_LOCAL_PYTHON_IMAGE", "registry.example/hardened/python:3.12")
    assert rendered({}).compose_env["MWAA_LOCAL_BASE_IMAGE"] == "registry.example/hardened/python:3.12"
    monkeypatch.setenv("MWAA_LOCAL_IMAGE_MIRROR", "mirror.example/")
    env = rendered({}).compose_env
    assert env["MWAA_LOCAL_BASE_IMAGE"] == "registry.example/hardened/python:3.12", "taken as is, never mirrored"
    assert env["MWAA_LOCAL_POSTGRES_IMAGE"] == "mirror.example/postgres:15-bookworm"


def test_an_environment_keeps_the_images_it_was_fixed_with_whatever_this_shell_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MWAA_LOCAL_IMAGE_MIRROR", "other.example/")
    monkeypatch.setenv("MWAA_LOCAL_PYTHON_IMAGE", "broken.example/python:0")
    fixed = settings(image_settings={"MWAA_LOCAL_IMAGE_MIRROR": "mirror.example/"})
    env = rendered({}, fixed).compose_env
    assert env["MWAA_LOCAL_BASE_IMAGE"] == "mirror.example/python:3.12-slim-bookworm"
    assert env["MWAA_LOCAL_POSTGRES_IMAGE"] == "mirror.example/postgres:15-bookworm"
    assert rendered({}, settings(image_settings={})).compose_env["MWAA_LOCAL_REDIS_IMAGE"] == "redis:7.2-bookworm"
    assert rendered({}).compose_env["MWAA_LOCAL_BASE_IMAGE"] == "broken.example/python:0", "not fixed: the shell's"


def test_region_network_follows_the_naming() -> None:
    assert rendered({}).compose_env["MWAA_LOCAL_REGION_NETWORK"] == "mwaa-local-region"
    other = Naming("a1b2c3")
    assert rendered({}, naming=other).compose_env["MWAA_LOCAL_REGION_NETWORK"] == "mwaa-local-region-a1b2c3"
    assert rendered({}, naming=other).compose_env["MWAA_LOCAL_REGION_NETWORK"] == other.region_network


def test_airflow_configuration_reaches_every_airflow_service_with_dollars_escaped() -> None:
    environments = service_environments({"AirflowConfigurationOptions": {"x.y": "a$b"}})
    assert set(environments) == set(AIRFLOW_SERVICES)
    for service in AIRFLOW_SERVICES:
        assert environments[service]["AIRFLOW__X__Y"] == "a$$b"


@pytest.mark.parametrize("version", ["2.10.3", "3.2.1", "3.3.1"])
def test_each_service_carries_mwaa_component_variables(version: str) -> None:
    environments = service_environments({"AirflowVersion": version})
    execution_env = "Amazon_MWAA_" + version.replace(".", "")
    for service in AIRFLOW_SERVICES:
        env = environments[service]
        assert env["MWAA_AIRFLOW_COMPONENT"] == MWAA_COMMANDS[service], service
        assert env["MWAA_COMMAND"] == MWAA_COMMANDS[service], service
        assert env["AWS_EXECUTION_ENV"] == execution_env, service
        assert re.fullmatch(r"Amazon_MWAA_\d+", env["AWS_EXECUTION_ENV"])


def test_only_init_gets_the_admin_password() -> None:
    environments = service_environments({})
    assert environments["init"]["MWAA_LOCAL_ADMIN_PASSWORD"] == "admin$$pass"
    for service in AIRFLOW_SERVICES:
        if service != "init":
            assert "MWAA_LOCAL_ADMIN_PASSWORD" not in environments[service], service


def test_environment_id_and_service_variables_reach_every_service() -> None:
    environments = service_environments({"AirflowVersion": "3.3.1"}, settings(environment_id="feedface00112233"))
    for service in AIRFLOW_SERVICES:
        env = environments[service]
        assert env["AIRFLOW_ENV_ID"] == "feedface00112233", service
        assert env["CUSTOMER_ACCOUNT_ID"] == "000000000000", service
        assert env["MWAA__CORE__EXECUTOR_TYPE"] == "CeleryExecutor", service
        assert env["MWAA__CORE__API_SERVER_URL"] == f"http://{Naming().web_host('local')}:8080", service


def test_aws_variables_point_boto3_at_the_local_services_as_the_execution_role() -> None:
    environments = service_environments({})
    for service in AIRFLOW_SERVICES:
        env = environments[service]
        assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == (ROLE.access_key, ROLE.secret_key), service
        assert env["AWS_ENDPOINT_URL_S3"] == "http://s3:9000", service
        assert env["AWS_ENDPOINT_URL"] == NO_EMULATOR, service
        assert env["AWS_EC2_METADATA_DISABLED"] == "true", service
        assert env["AWS_ENDPOINT_URL_MWAA"] == "http://control-plane:4566", service
        region_services = {key: url for key, url in env.items() if key.startswith("AWS_ENDPOINT_URL_")}
        del region_services["AWS_ENDPOINT_URL_S3"]
        assert set(region_services) == {
            "AWS_ENDPOINT_URL_MWAA",
            "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
            "AWS_ENDPOINT_URL_CLOUDWATCH",
            "AWS_ENDPOINT_URL_SECRETS_MANAGER",
            "AWS_ENDPOINT_URL_SSM",
            "AWS_ENDPOINT_URL_MWAA_SERVERLESS",
        }, service
        assert set(region_services.values()) == {"http://control-plane:4566"}, service


def test_user_endpoints_reach_every_service_and_s3_stays_local() -> None:
    endpoints = {"*": "http://host.docker.internal:4566", "sqs": "http://host.docker.internal:9324"}
    environments = service_environments({}, settings(aws_endpoints=endpoints))
    for service in AIRFLOW_SERVICES:
        env = environments[service]
        assert env["AWS_ENDPOINT_URL"] == "http://host.docker.internal:4566", service
        assert env["AWS_ENDPOINT_URL_SQS"] == "http://host.docker.internal:9324", service
        assert env["AWS_ENDPOINT_URL_S3"] == "http://s3:9000", service


def test_env_file_values_are_literal() -> None:
    assert env_file_text({"A": "x$y#z", "B": "two words"}) == "A='x$y#z'\nB='two words'\n"


@pytest.mark.parametrize("value", ["it's", "two\nlines"])
def test_env_file_refuses_what_it_cannot_carry_and_names_the_variable(value: str) -> None:
    with pytest.raises(EnvironmentConfigError) as caught:
        env_file_text({"A": "fine", "MWAA_LOCAL_BUCKET": value})
    assert caught.value.message.startswith(f"MWAA_LOCAL_BUCKET would be {value!r}, ")
    assert caught.value.hint


def test_project_names_are_lower_case() -> None:
    assert Naming().environment_project("Team-A") == "mwaa-team-a"


# The compose file itself.


def test_the_rendered_services_exist_in_the_compose_file() -> None:
    compose = compose_file()
    assert set(AIRFLOW_SERVICES) <= set(compose["services"])
    for service in AIRFLOW_SERVICES:
        # The components run the configured image (requirements, plugins, startup script);
        # init (migrate-db) and the sync run the version's own image and never wait for it.
        expected = "${MWAA_LOCAL_AIRFLOW_BASE_IMAGE" if service == "init" else "${MWAA_LOCAL_AIRFLOW_IMAGE"
        assert compose["services"][service]["image"].startswith(expected), service
    assert compose["services"]["sync"]["image"].startswith("${MWAA_LOCAL_AIRFLOW_BASE_IMAGE")
    configuration = compose["services"]["configuration"]
    assert configuration["image"].startswith("${MWAA_LOCAL_AIRFLOW_IMAGE")
    assert configuration["profiles"] == ["configuration"], "built, never started"
    assert configuration["build"]["args"]["AIRFLOW_IMAGE"].startswith("${MWAA_LOCAL_AIRFLOW_BASE_IMAGE")


# Services that run DAG code (top-level code, tasks, triggers) reach the S3 service.
RUN_USER_CODE = ("scheduler", "worker", "hybrid", "webserver", "api-server")


def test_services_that_run_dag_code_join_the_region_network_and_reach_the_host() -> None:
    compose = compose_file()
    on_airflow_image = {
        name
        for name, service in compose["services"].items()
        if service["image"].startswith("${MWAA_LOCAL_AIRFLOW_") and name != "configuration"
    }
    assert on_airflow_image == {*AIRFLOW_SERVICES, "sync"}, "every Airflow service is rendered (sync is not Airflow)"
    for service in AIRFLOW_SERVICES:
        definition = compose["services"][service]
        # The web containers run DAG code too (the CLI runner: `dags test` through /aws_mwaa/cli);
        # the control plane calls the edge.
        expected = ["default", "region"] if service in (*RUN_USER_CODE, "edge") else ["default"]
        assert sorted(definition["networks"]) == expected, service
        assert definition["extra_hosts"] == ["host.docker.internal:host-gateway"], service
    assert sorted(compose["services"]["sync"]["networks"]) == ["default", "region"]


def test_database_and_broker_stay_off_the_region_network() -> None:
    services = compose_file()["services"]
    for private in ("postgres", "redis"):
        assert "networks" not in services[private], f"{private} must stay on the environment's own network"


def test_region_network_is_the_one_the_region_creates() -> None:
    environment_network = compose_file()["networks"]["region"]
    assert environment_network["external"] is True
    assert environment_network["name"] == "${MWAA_LOCAL_REGION_NETWORK:-" + REGION_NETWORK + "}"
    region_network = compose_file("region.yaml")["networks"]["default"]
    assert region_network["name"] == environment_network["name"]


def host_of(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]


def test_hosts_airflow_reaches_by_service_name_are_not_shared_on_the_region_network() -> None:
    services = compose_file()["services"]
    for host in (DB_HOST, host_of(BROKER_URL)):
        assert host in services
        assert "region" not in services[host].get("networks", []), (
            f"`{host}` would resolve to any environment's {host} on the shared region network"
        )


def test_airflow_calls_its_web_servers_by_a_name_of_the_environments_own() -> None:
    """The web container joins the region network (its CLI runner runs DAG code), where its
    service name names every environment's: Airflow and the edge use a unique alias instead."""
    first, second = service_environments({"Name": "first"}), service_environments({"Name": "second"})
    url = first["worker"]["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]
    assert (
        host_of(url)
        == Naming().web_host("first")
        != Naming().web_host("second")
        == host_of(second["worker"]["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    )
    assert host_of(url) not in compose_file()["services"]
    edge = EdgeCredentials("certificate", "key", b"k" * 32)
    upstream = render_environment(
        build_record({"Name": "first"}), settings(), SECRETS, ROLE, "hash", "/ca.pem", Naming(), edge=edge
    ).airflow_override["services"]["edge"]["environment"]["MWAA_LOCAL_EDGE_UPSTREAM"]  # type: ignore[index]
    assert upstream == f"http://{Naming().web_host('first')}:8080"
    for service in ("api-server", "webserver"):
        networks = compose_file()["services"][service]["networks"]
        assert networks["default"]["aliases"] == ["${MWAA_LOCAL_WEB_HOST:?}"], service
        assert "region" in networks, service


def test_no_user_file_is_bind_mounted() -> None:
    compose = compose_file()
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source in compose["volumes"], f"{name} mounts {source}, which is not a named volume"


def test_every_long_running_service_has_a_healthcheck_and_restart_policy() -> None:
    compose = compose_file()
    for name, service in compose["services"].items():
        if name == "init":
            assert service["restart"] == "no"
            continue
        if name == "configuration":  # only built
            continue
        assert "healthcheck" in service, name
        assert service["restart"] == "unless-stopped", name
