import json

from emulator.environments.airflow_config import (
    EnvironmentSecrets,
    component_environment,
    option_variable,
    user_variables,
)
from emulator.environments.record import build_record
from emulator.environments.timings import DEV, MWAA

SECRETS = EnvironmentSecrets("fernet=", "websecret", "jwtsecret", "pgpass", "adminpass")
URL = "http://localhost:8080"


def environment(given: dict, timings=MWAA) -> dict[str, str]:
    return component_environment(build_record(given), timings, SECRETS, URL)


def test_options_translate_like_mwaa() -> None:
    assert option_variable("core.dag_concurrency") == "AIRFLOW__CORE__DAG_CONCURRENCY"
    assert option_variable("foo.user") == "AIRFLOW__FOO__USER"
    assert option_variable("celery_broker_transport_options.visibility_timeout") == (
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT"
    )


def test_user_options_reach_every_component_and_beat_mwaa_defaults() -> None:
    env = environment(
        {
            "AirflowConfigurationOptions": {
                "core.parallelism": "64",
                "foo.user": "x$y'z",
                "celery.worker_autoscale": "8,8",
            }
        }
    )
    assert env["AIRFLOW__CORE__PARALLELISM"] == "64"
    assert env["AIRFLOW__FOO__USER"] == "x$y'z"
    assert env["AIRFLOW__CELERY__WORKER_AUTOSCALE"] == "8,8"
    assert json.loads(env["MWAA__CORE__CUSTOM_AIRFLOW_CONFIGS"])["AIRFLOW__FOO__USER"] == "x$y'z"


def test_essential_and_protected_settings_cannot_be_overridden_and_are_reported() -> None:
    options = {
        "core.executor": "LocalExecutor",
        "core.fernet_key": "mine",
        "celery.worker_concurrency": "99",
        "aws_mwaa.redirect_url": "https://elsewhere.example",
        "core.parallelism": "64",
    }
    env = environment({"AirflowConfigurationOptions": options})
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CORE__FERNET_KEY"] == "fernet="
    assert "AIRFLOW__CELERY__WORKER_CONCURRENCY" not in env
    assert "AIRFLOW__AWS_MWAA__REDIRECT_URL" not in env
    kept, ignored = user_variables(build_record({"AirflowConfigurationOptions": options}))
    assert ignored == ["aws_mwaa.redirect_url", "celery.worker_concurrency", "core.executor", "core.fernet_key"]
    assert kept == {"AIRFLOW__CORE__PARALLELISM": "64"}


def test_class_sets_worker_autoscale() -> None:
    assert environment({})["AIRFLOW__CELERY__WORKER_AUTOSCALE"] == "5,5"
    assert environment({"EnvironmentClass": "mw1.large"})["AIRFLOW__CELERY__WORKER_AUTOSCALE"] == "20,20"


def test_airflow3_gets_the_shared_jwt_secret_and_execution_api() -> None:
    env = environment({"AirflowVersion": "3.3.1"})
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == "jwtsecret"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://api-server:8080/execution/"
    assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("FabAuthManager")
    assert env["AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL"] == "300"
    assert "AIRFLOW__WEBSERVER__SECRET_KEY" not in env


def test_airflow2_gets_webserver_settings() -> None:
    env = environment({"AirflowVersion": "2.10.3"})
    assert env["AIRFLOW__WEBSERVER__SECRET_KEY"] == "websecret"
    assert env["AIRFLOW__WEBSERVER__BASE_URL"] == URL
    assert env["AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL"] == "300"
    assert "AIRFLOW__API_AUTH__JWT_SECRET" not in env


def test_database_broker_and_result_backend() -> None:
    env = environment({})
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == "postgresql+psycopg2://airflow:pgpass@postgres:5432/airflow"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+postgresql://airflow:pgpass@postgres:5432/airflow"
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0"


def test_dev_timings_shorten_the_scan_intervals_but_user_options_still_win() -> None:
    assert environment({"AirflowVersion": "2.10.3"}, DEV)["AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL"] == "2"
    given = {"AirflowConfigurationOptions": {"dag_processor.refresh_interval": "60"}}
    assert environment(given, DEV)["AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL"] == "60"
