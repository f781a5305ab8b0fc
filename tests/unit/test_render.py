from pathlib import Path

import pytest
import yaml

from emulator.environments.airflow_config import EnvironmentSecrets
from emulator.environments.record import build_record
from emulator.environments.state import LocalSettings, RegionSecrets
from emulator.stack.render import (
    AIRFLOW_SERVICES,
    env_file_text,
    override_text,
    project_name,
    render_environment,
)

ROOT = Path(__file__).resolve().parents[2]
SECRETS = EnvironmentSecrets("fernet=", "web", "jwt", "pg", "admin$pass")
REGION = RegionSecrets("access", "secret")


def rendered(given: dict, settings: LocalSettings | None = None):
    return render_environment(build_record(given), settings or LocalSettings(), SECRETS, REGION, "hash", "/ca.pem")


@pytest.fixture(autouse=True)
def no_mirror(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MWAA_LOCAL_IMAGE_MIRROR", raising=False)


def test_compose_variables_come_from_the_record() -> None:
    env = rendered(
        {"AirflowVersion": "2.10.3", "MinWorkers": 2, "Schedulers": 3}, LocalSettings(9090, "dev")
    ).compose_env
    assert env["COMPOSE_PROFILES"] == "airflow2"
    assert env["MWAA_LOCAL_AIRFLOW_IMAGE"] == "mwaa-local/airflow:2.10.3"
    assert env["MWAA_LOCAL_PYTHON_VERSION"] == "3.11"
    assert env["MWAA_LOCAL_BASE_IMAGE"] == "python:3.11-slim-bookworm"
    assert (env["MWAA_LOCAL_WORKERS"], env["MWAA_LOCAL_SCHEDULERS"]) == ("2", "3")
    assert env["MWAA_LOCAL_WEB_PORT"] == "9090"
    assert env["MWAA_LOCAL_SYNC_INTERVAL"] == "1"
    assert (env["MWAA_LOCAL_BUCKET"], env["MWAA_LOCAL_DAG_S3_PATH"]) == ("mwaa-local", "dags")


def test_image_mirror_prefixes_every_third_party_image(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MWAA_LOCAL_IMAGE_MIRROR", "mirror.example/")
    env = rendered({}).compose_env
    assert env["MWAA_LOCAL_BASE_IMAGE"] == "mirror.example/python:3.12-slim-bookworm"
    assert env["MWAA_LOCAL_POSTGRES_IMAGE"].startswith("mirror.example/postgres:")
    assert env["MWAA_LOCAL_AIRFLOW_IMAGE"] == "mwaa-local/airflow:3.3.1", "our own image is never mirrored"


def test_airflow_configuration_reaches_every_airflow_service_with_dollars_escaped() -> None:
    override = yaml.safe_load(override_text(rendered({"AirflowConfigurationOptions": {"x.y": "a$b"}}).airflow_override))
    assert set(override["services"]) == set(AIRFLOW_SERVICES)
    for service in AIRFLOW_SERVICES:
        assert override["services"][service]["environment"]["AIRFLOW__X__Y"] == "a$$b"
    assert override["services"]["init"]["environment"]["MWAA_LOCAL_ADMIN_PASSWORD"] == "admin$$pass"
    assert "MWAA_LOCAL_ADMIN_PASSWORD" not in override["services"]["worker"]["environment"]


def test_the_rendered_services_exist_in_the_compose_file() -> None:
    compose = yaml.safe_load((ROOT / "compose" / "environment.yaml").read_text())
    assert set(AIRFLOW_SERVICES) <= set(compose["services"])
    for service in AIRFLOW_SERVICES:
        assert compose["services"][service]["image"].startswith("${MWAA_LOCAL_AIRFLOW_IMAGE")


def test_no_user_file_is_bind_mounted() -> None:
    compose = yaml.safe_load((ROOT / "compose" / "environment.yaml").read_text())
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source in compose["volumes"], f"{name} mounts {source}, which is not a named volume"


def test_every_long_running_service_has_a_healthcheck_and_restart_policy() -> None:
    compose = yaml.safe_load((ROOT / "compose" / "environment.yaml").read_text())
    for name, service in compose["services"].items():
        if name == "init":
            assert service["restart"] == "no"
            continue
        assert "healthcheck" in service, name
        assert service["restart"] == "unless-stopped", name


def test_env_file_values_are_literal_and_refuse_what_they_cannot_carry() -> None:
    assert env_file_text({"A": "x$y#z"}) == "A='x$y#z'\n"
    with pytest.raises(ValueError, match="B holds a character"):
        env_file_text({"B": "it's"})


def test_project_names_are_lower_case() -> None:
    assert project_name("Team-A") == "mwaa-team-a"
