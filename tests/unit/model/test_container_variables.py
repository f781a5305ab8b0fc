"""The variables MWAA's service and entrypoint give every container (docs/reference.md §14.3, §16)."""

import json

import pytest

from emulator.model.airflow_config import EnvironmentSecrets, component_environment
from emulator.model.container_variables import component_variables, service_variables
from emulator.model.record import build_record
from emulator.model.timings import MWAA

SECRETS = EnvironmentSecrets("fernet=", "websecret", "jwtsecret", "pgpass", "adminpass")
ENVIRONMENT_ID = "0123456789abcdef"
ARN_PREFIX = "arn:aws:logs:us-east-1:000000000000:log-group:"
WEB_HOST = "mwaa-web-0123456789ab"
COMPONENTS = ("DAGPROCESSOR", "SCHEDULER", "TRIGGERER", "TASK", "WEBSERVER", "WORKER")


def variables(given: dict) -> dict[str, str]:
    return service_variables(build_record(given), SECRETS, ENVIRONMENT_ID, WEB_HOST)


@pytest.mark.parametrize("version", ["2.10.3", "3.3.1"])
def test_identity_paths_and_executor(version: str) -> None:
    env = variables({"AirflowVersion": version})
    assert env["AIRFLOW_ENV_ID"] == ENVIRONMENT_ID
    assert env["CUSTOMER_ACCOUNT_ID"] == "000000000000"
    assert env["MWAA__CORE__REQUIREMENTS_PATH"] == "/usr/local/airflow/requirements/requirements.txt"
    assert env["MWAA__CORE__STARTUP_SCRIPT_PATH"] == "/usr/local/airflow/startup/startup.sh"
    assert env["MWAA__CORE__EXECUTOR_TYPE"] == "CeleryExecutor"
    assert env["MWAA__CORE__AUTH_TYPE"] == "testing"
    assert env["CLASSPATH"] == "/usr/local/airflow/dags/classpath/*"


def test_environment_id_is_the_one_given() -> None:
    assert service_variables(build_record({}), SECRETS, "another-id", WEB_HOST)["AIRFLOW_ENV_ID"] == "another-id"


def test_secrets_as_mwaa_spells_them() -> None:
    env = variables({})
    assert json.loads(env["MWAA__CORE__FERNET_KEY"]) == {"FernetKey": "fernet="}
    assert json.loads(env["MWAA__WEBSERVER__SECRET"]) == {"secret_key": "websecret"}
    assert json.loads(env["MWAA__DB__CREDENTIALS"]) == {"username": "airflow", "password": "pgpass"}


@pytest.mark.parametrize("version", ["2.10.3", "3.3.1"])
def test_database_variables_describe_the_database_airflow_uses(version: str) -> None:
    record = build_record({"AirflowVersion": version})
    env = service_variables(record, SECRETS, ENVIRONMENT_ID, WEB_HOST)
    assert (env["MWAA__DB__POSTGRES_HOST"], env["MWAA__DB__POSTGRES_PORT"]) == ("postgres", "5432")
    assert (env["MWAA__DB__POSTGRES_DB"], env["MWAA__DB__POSTGRES_SSLMODE"]) == ("airflow", "prefer")
    credentials = json.loads(env["MWAA__DB__CREDENTIALS"])
    built = (
        f"postgresql+psycopg2://{credentials['username']}:{credentials['password']}@"
        f"{env['MWAA__DB__POSTGRES_HOST']}:{env['MWAA__DB__POSTGRES_PORT']}/{env['MWAA__DB__POSTGRES_DB']}"
    )
    assert component_environment(record, MWAA, SECRETS, "", WEB_HOST)["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == built


def test_api_server_url_on_airflow3_matches_the_execution_api() -> None:
    record = build_record({"AirflowVersion": "3.3.1"})
    env = service_variables(record, SECRETS, ENVIRONMENT_ID, WEB_HOST)
    assert env["MWAA__CORE__API_SERVER_URL"] == f"http://{WEB_HOST}:8080", "the web container's unique name"
    execution = component_environment(record, MWAA, SECRETS, "", WEB_HOST)["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]
    assert execution == env["MWAA__CORE__API_SERVER_URL"] + "/execution/"


def test_no_api_server_url_on_airflow2() -> None:
    assert "MWAA__CORE__API_SERVER_URL" not in variables({"AirflowVersion": "2.10.3"})


def test_logging_defaults_task_logs_at_info_the_rest_off() -> None:
    env = variables({"Name": "Team-A"})
    enabled = {component: env[f"MWAA__LOGGING__AIRFLOW_{component}_LOGS_ENABLED"] for component in COMPONENTS}
    assert enabled == {component: "true" if component == "TASK" else "false" for component in COMPONENTS}
    for component in COMPONENTS:
        assert env[f"MWAA__LOGGING__AIRFLOW_{component}_LOG_LEVEL"] == "INFO", component
    arns = {component: env[f"MWAA__LOGGING__AIRFLOW_{component}_LOG_GROUP_ARN"] for component in COMPONENTS}
    assert arns == {
        "DAGPROCESSOR": ARN_PREFIX + "airflow-Team-A-DAGProcessing",
        "SCHEDULER": ARN_PREFIX + "airflow-Team-A-Scheduler",
        "TRIGGERER": ARN_PREFIX + "airflow-Team-A-Scheduler",
        "TASK": ARN_PREFIX + "airflow-Team-A-Task",
        "WEBSERVER": ARN_PREFIX + "airflow-Team-A-WebServer",
        "WORKER": ARN_PREFIX + "airflow-Team-A-Worker",
    }
    assert len([key for key in env if key.startswith("MWAA__LOGGING__")]) == 3 * len(COMPONENTS)


def test_logging_follows_the_record() -> None:
    logging = {
        "SchedulerLogs": {"Enabled": True, "LogLevel": "DEBUG"},
        "TaskLogs": {"Enabled": False, "LogLevel": "ERROR"},
        "WorkerLogs": {"Enabled": True, "LogLevel": "WARNING"},
    }
    env = variables({"LoggingConfiguration": logging})
    assert env["MWAA__LOGGING__AIRFLOW_SCHEDULER_LOGS_ENABLED"] == "true"
    assert env["MWAA__LOGGING__AIRFLOW_SCHEDULER_LOG_LEVEL"] == "DEBUG"
    assert env["MWAA__LOGGING__AIRFLOW_TRIGGERER_LOGS_ENABLED"] == "true", "the triggerer logs with the scheduler"
    assert env["MWAA__LOGGING__AIRFLOW_TRIGGERER_LOG_LEVEL"] == "DEBUG"
    assert env["MWAA__LOGGING__AIRFLOW_TASK_LOGS_ENABLED"] == "false"
    assert env["MWAA__LOGGING__AIRFLOW_TASK_LOG_LEVEL"] == "ERROR"
    assert env["MWAA__LOGGING__AIRFLOW_WORKER_LOGS_ENABLED"] == "true"
    assert env["MWAA__LOGGING__AIRFLOW_WORKER_LOG_LEVEL"] == "WARNING"
    assert env["MWAA__LOGGING__AIRFLOW_DAGPROCESSOR_LOGS_ENABLED"] == "false"
    assert env["MWAA__LOGGING__AIRFLOW_DAGPROCESSOR_LOG_LEVEL"] == "INFO"


@pytest.mark.parametrize(("level", "argument"), [("INFO", "info"), ("DEBUG", "debug"), ("CRITICAL", "critical")])
def test_gunicorn_log_level_is_the_web_server_log_level(level: str, argument: str) -> None:
    env = variables({"LoggingConfiguration": {"WebserverLogs": {"Enabled": True, "LogLevel": level}}})
    assert env["GUNICORN_CMD_ARGS"] == f"--log-level {argument}"


def test_gunicorn_log_level_defaults_to_info() -> None:
    assert variables({})["GUNICORN_CMD_ARGS"] == "--log-level info"


@pytest.mark.parametrize(
    ("service", "command"),
    [
        ("init", "migrate-db"),
        ("scheduler", "scheduler"),
        ("dag-processor", "scheduler"),
        ("triggerer", "scheduler"),
        ("worker", "worker"),
        ("webserver", "webserver"),
        ("api-server", "webserver"),
    ],
)
def test_component_variables_name_the_mwaa_command(service: str, command: str) -> None:
    found = component_variables(service, build_record({"AirflowVersion": "3.2.1"}))
    found.pop("AIRFLOW__LOGGING__LOGGING_LEVEL", None)
    found.pop("AIRFLOW__LOGGING__REMOTE_LOGGING", None)
    assert found == {"MWAA_AIRFLOW_COMPONENT": command, "MWAA_COMMAND": command, "AWS_EXECUTION_ENV": "Amazon_MWAA_321"}


def test_each_component_logs_at_its_log_types_level_unless_configured() -> None:
    logging = {
        "TaskLogs": {"Enabled": True, "LogLevel": "DEBUG"},
        "SchedulerLogs": {"Enabled": True, "LogLevel": "WARNING"},
    }
    record = build_record({"LoggingConfiguration": logging})
    levels = {
        service: component_variables(service, record).get("AIRFLOW__LOGGING__LOGGING_LEVEL")
        for service in ("worker", "hybrid", "scheduler", "api-server", "init")
    }
    assert levels == {"worker": "DEBUG", "hybrid": "DEBUG", "scheduler": "WARNING", "api-server": "INFO", "init": None}
    configured = build_record(
        {"LoggingConfiguration": logging, "AirflowConfigurationOptions": {"logging.logging_level": "ERROR"}}
    )
    assert "AIRFLOW__LOGGING__LOGGING_LEVEL" not in component_variables("worker", configured)


def test_task_logs_are_written_to_cloudwatch_by_the_workers_and_read_by_the_web_servers_only() -> None:
    record = build_record({})
    remote = {
        service: component_variables(service, record).get("AIRFLOW__LOGGING__REMOTE_LOGGING", "as configured")
        for service in ("scheduler", "triggerer", "dag-processor", "worker", "hybrid", "api-server", "webserver")
    }
    assert remote == {
        "scheduler": "False",
        "triggerer": "False",
        "dag-processor": "False",
        "worker": "as configured",
        "hybrid": "as configured",
        "api-server": "as configured",
        "webserver": "as configured",
    }
