import json

import pytest

from emulator.model.airflow_config import (
    PARSE_DATABASE,
    EnvironmentSecrets,
    component_environment,
    custom_airflow_configs,
    option_variable,
    parse_environment,
    user_variables,
)
from emulator.model.container_variables import service_variables
from emulator.model.record import build_record
from emulator.model.timings import DEV, MWAA

SECRETS = EnvironmentSecrets("fernet=", "websecret", "jwtsecret", "pgpass", "adminpass")
URL = "http://localhost:8080"


def environment(given: dict, timings=MWAA) -> dict[str, str]:
    return component_environment(build_record(given), timings, SECRETS, URL, "mwaa-web-0123456789ab")


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
    assert "MWAA__CORE__CUSTOM_AIRFLOW_CONFIGS" not in env, "MWAA's service sets it (container_variables)"


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
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://mwaa-web-0123456789ab:8080/execution/"
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
    assert environment({"AirflowVersion": "2.10.3"}, DEV)["AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL"] == "1"
    dev3 = environment({"AirflowVersion": "3.3.1"}, DEV)
    # Airflow 3 asks whether a scan is due every 5 s by default: the dev scan would wait for it.
    # Each 1 s check scans (a 1 s refresh interval would be a hair short of due at the next one).
    assert dev3["AIRFLOW__DAG_PROCESSOR__BUNDLE_REFRESH_CHECK_INTERVAL"] == "1"
    assert dev3["AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL"] == "0"
    assert environment({"AirflowVersion": "3.3.1"})["AIRFLOW__DAG_PROCESSOR__BUNDLE_REFRESH_CHECK_INTERVAL"] == "5"
    given = {"AirflowConfigurationOptions": {"dag_processor.refresh_interval": "60"}}
    assert environment(given, DEV)["AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL"] == "60"


# What MWAA's service passes on, and what the container makes of it.


def test_custom_airflow_configs_carries_every_option_given_ignored_ones_included() -> None:
    options = {
        "core.executor": "LocalExecutor",
        "celery.worker_concurrency": "99",
        "foo.user": "x$y'z",
        "core.parallelism": "64",
    }
    record = build_record({"AirflowConfigurationOptions": options})
    expected = {
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "99",
        "AIRFLOW__FOO__USER": "x$y'z",
        "AIRFLOW__CORE__PARALLELISM": "64",
    }
    assert json.loads(custom_airflow_configs(record)) == expected
    variables = service_variables(record, SECRETS, "envid", "mwaa-web-0123456789ab")
    assert json.loads(variables["MWAA__CORE__CUSTOM_AIRFLOW_CONFIGS"]) == expected
    assert json.loads(custom_airflow_configs(build_record({}))) == {}


QUEUE = "airflow-celery-team-a"
# Options MWAA overrules, and what the container runs with instead (None: the variable is not set,
# Airflow's own default stands in for MWAA's module or service).
OVERRULED_EVERYWHERE = {
    "operators.default_queue": ("AIRFLOW__OPERATORS__DEFAULT_QUEUE", QUEUE),
    "celery.default_queue": ("AIRFLOW__CELERY__DEFAULT_QUEUE", QUEUE),
    "core.sql_alchemy_conn": ("AIRFLOW__CORE__SQL_ALCHEMY_CONN", None),
    "core.executor": ("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor"),
    "celery.broker_url": ("AIRFLOW__CELERY__BROKER_URL", "redis://redis:6379/0"),
    "celery.result_backend": (
        "AIRFLOW__CELERY__RESULT_BACKEND",
        "db+postgresql://airflow:pgpass@postgres:5432/airflow",
    ),
    "celery_broker_transport_options.visibility_timeout": (
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT",
        "43200",
    ),
    "logging.logging_config_class": ("AIRFLOW__LOGGING__LOGGING_CONFIG_CLASS", None),
    "metrics.statsd_on": ("AIRFLOW__METRICS__STATSD_ON", "True"),
    "metrics.statsd_host": ("AIRFLOW__METRICS__STATSD_HOST", "control-plane"),
    "metrics.statsd_prefix": ("AIRFLOW__METRICS__STATSD_PREFIX", "Team-A"),
    "core.load_examples": ("AIRFLOW__CORE__LOAD_EXAMPLES", "False"),
    "core.fernet_key": ("AIRFLOW__CORE__FERNET_KEY", "fernet="),
    "celery.celery_config_options": ("AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS", None),
}
OVERRULED_CASES = [
    *[
        (version, option, *expected)
        for version in ("2.10.3", "3.3.1")
        for option, expected in OVERRULED_EVERYWHERE.items()
    ],
    ("2.10.3", "webserver.secret_key", "AIRFLOW__WEBSERVER__SECRET_KEY", "websecret"),
    ("3.3.1", "api.secret_key", "AIRFLOW__API__SECRET_KEY", "websecret"),
]


@pytest.mark.parametrize(("version", "option", "variable", "forced"), OVERRULED_CASES)
def test_options_mwaa_overrules_are_reported_and_not_applied(
    version: str, option: str, variable: str, forced: str | None
) -> None:
    record = build_record(
        {"Name": "Team-A", "AirflowVersion": version, "AirflowConfigurationOptions": {option: "1234"}}
    )
    kept, ignored = user_variables(record)
    assert ignored == [option]
    assert kept == {}
    env = component_environment(record, MWAA, SECRETS, URL, "mwaa-web-0123456789ab")
    if forced is None:
        assert variable not in env
    else:
        assert env[variable] == forced


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6", "3.3.1"])
def test_forced_queue_visibility_timeout_and_metrics(version: str) -> None:
    env = environment({"Name": "Team-A", "AirflowVersion": version})
    assert env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"] == "airflow-celery-team-a"
    assert env["AIRFLOW__CELERY__DEFAULT_QUEUE"] == "airflow-celery-team-a"
    assert env["AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT"] == "43200"
    # StatsD to the control plane, prefixed with the environment's name (docs/reference.md §22)
    assert (env["AIRFLOW__METRICS__STATSD_ON"], env["AIRFLOW__METRICS__STATSD_HOST"]) == ("True", "control-plane")
    assert (env["AIRFLOW__METRICS__STATSD_PORT"], env["AIRFLOW__METRICS__STATSD_PREFIX"]) == ("8125", "Team-A")
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"


def test_task_logs_go_to_the_task_group_at_its_level_unless_disabled() -> None:
    env = environment({"Name": "dev", "LoggingConfiguration": {"TaskLogs": {"Enabled": True, "LogLevel": "DEBUG"}}})
    assert env["AIRFLOW__LOGGING__REMOTE_LOGGING"] == "True"
    task_group = "arn:aws:logs:us-east-1:000000000000:log-group:airflow-dev-Task"
    assert env["AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER"] == f"cloudwatch://{task_group}"
    disabled = environment(
        {"Name": "dev", "LoggingConfiguration": {"TaskLogs": {"Enabled": False, "LogLevel": "INFO"}}}
    )
    assert disabled["AIRFLOW__LOGGING__REMOTE_LOGGING"] == "False"
    assert "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER" not in disabled


def test_the_queue_is_named_after_the_environment() -> None:
    assert environment({"Name": "local"})["AIRFLOW__OPERATORS__DEFAULT_QUEUE"] == "airflow-celery-local"
    other = environment({"Name": "Data_Eng"})
    assert other["AIRFLOW__OPERATORS__DEFAULT_QUEUE"] == other["AIRFLOW__CELERY__DEFAULT_QUEUE"]
    assert other["AIRFLOW__CELERY__DEFAULT_QUEUE"] == "airflow-celery-data_eng"


@pytest.mark.parametrize("version", ["2.10.3", "3.3.1"])
def test_parallelism_and_worker_autoscale_stay_configurable(version: str) -> None:
    options = {"core.parallelism": "128", "celery.worker_autoscale": "12,12"}
    record = build_record({"AirflowVersion": version, "AirflowConfigurationOptions": options})
    kept, ignored = user_variables(record)
    assert ignored == []
    assert kept == {"AIRFLOW__CORE__PARALLELISM": "128", "AIRFLOW__CELERY__WORKER_AUTOSCALE": "12,12"}
    env = component_environment(record, MWAA, SECRETS, URL, "mwaa-web-0123456789ab")
    assert env["AIRFLOW__CORE__PARALLELISM"] == "128"
    assert env["AIRFLOW__CELERY__WORKER_AUTOSCALE"] == "12,12"


WORKER_REFRESH = {"AIRFLOW__API__WORKER_REFRESH_INTERVAL": "43200", "AIRFLOW__API__WORKER_REFRESH_BATCH_SIZE": "1"}


@pytest.mark.parametrize("version", ["3.2.1", "3.3.1"])
def test_api_server_is_airflows_one_process_uvicorn_with_mwaas_refresh_ready(version: str) -> None:
    env = environment({"AirflowVersion": version})
    assert "AIRFLOW__API__SERVER_TYPE" not in env, "uvicorn, Airflow's default: one process, not two"
    assert {key: env.get(key) for key in WORKER_REFRESH} == WORKER_REFRESH


@pytest.mark.parametrize("version", ["3.0.6", "2.10.3"])
def test_api_server_type_is_left_alone_before_3_2(version: str) -> None:
    env = environment({"AirflowVersion": version})
    assert [key for key in ("AIRFLOW__API__SERVER_TYPE", *WORKER_REFRESH) if key in env] == []


def test_mwaas_gunicorn_is_an_option_away() -> None:
    env = environment({"AirflowVersion": "3.3.1", "AirflowConfigurationOptions": {"api.server_type": "gunicorn"}})
    assert env["AIRFLOW__API__SERVER_TYPE"] == "gunicorn"
    assert env["AIRFLOW__API__WORKER_REFRESH_INTERVAL"] == "43200"


@pytest.mark.parametrize("version", ["3.0.6", "3.2.1", "3.3.1"])
def test_airflow3_runs_a_standalone_dag_processor(version: str) -> None:
    env = environment({"AirflowVersion": version})
    assert env["AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR"] == "True"
    record = build_record(
        {"AirflowVersion": version, "AirflowConfigurationOptions": {"scheduler.standalone_dag_processor": "False"}}
    )
    assert user_variables(record)[1] == ["scheduler.standalone_dag_processor"]
    assert (
        component_environment(record, MWAA, SECRETS, URL, "mwaa-web-0123456789ab")[
            "AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR"
        ]
        == "True"
    )


def test_parse_imports_with_the_users_options_and_reaches_no_service() -> None:
    record = build_record({"Name": "local", "AirflowConfigurationOptions": {"core.dagbag_import_timeout": "5"}})
    variables = parse_environment(record, MWAA)
    assert variables["AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT"] == "5", "the user's option beats MWAA's default 30"
    assert variables["AIRFLOW__CORE__DAG_FILE_PROCESSOR_TIMEOUT"] == "50", "MWAA's defaults stay"
    assert variables["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == PARSE_DATABASE
    assert variables["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert variables["AIRFLOW__METRICS__STATSD_ON"] == "False"
    assert not any("BROKER" in name or "FERNET" in name for name in variables)
