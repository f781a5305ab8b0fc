"""The variables MWAA gives its containers besides Airflow's configuration (docs/reference.md §14.3):
the environment's identity, its MWAA settings, and each component's own entrypoint values.

They go into every Airflow container's environment (not only its first process), so
`docker compose exec … airflow …`, shells and tasks all see them, as on MWAA.
"""

from __future__ import annotations

import json

from emulator.model.account import ACCOUNT_ID
from emulator.model.airflow_config import (
    DB_HOST,
    DB_NAME,
    DB_PORT,
    EnvironmentSecrets,
    api_server_url,
    custom_airflow_configs,
)
from emulator.model.log_groups import enabled, log_group_arn, log_level
from emulator.model.record import EnvironmentRecord

AIRFLOW_HOME = "/usr/local/airflow"
REQUIREMENTS_PATH = f"{AIRFLOW_HOME}/requirements/requirements.txt"
STARTUP_SCRIPT_PATH = f"{AIRFLOW_HOME}/startup/startup.sh"
# MWAA's local images use `testing`; production uses `mwaa-iam` (the web-login issue adds it).
AUTH_TYPE = "testing"
# Log types as MWAA's containers name them, and the LoggingConfiguration member of each.
LOG_TYPES = {
    "DAGPROCESSOR": "DagProcessingLogs",
    "SCHEDULER": "SchedulerLogs",
    "TRIGGERER": "SchedulerLogs",  # MWAA logs the triggerer with the scheduler
    "TASK": "TaskLogs",
    "WEBSERVER": "WebserverLogs",
    "WORKER": "WorkerLogs",
}
# Each compose service and the MWAA container command its process belongs to.
MWAA_COMMANDS = {
    "init": "migrate-db",
    "scheduler": "scheduler",
    "dag-processor": "scheduler",
    "triggerer": "scheduler",
    "worker": "worker",
    "hybrid": "hybrid",  # mw1.micro's scheduler and worker in one container
    "webserver": "webserver",
    "api-server": "webserver",
    "edge": "webserver",  # MWAA's CLI endpoint runs on its web server
}


def logging_variables(record: EnvironmentRecord) -> dict[str, str]:
    variables: dict[str, str] = {}
    for component, log_type in LOG_TYPES.items():
        prefix = f"MWAA__LOGGING__AIRFLOW_{component}"
        variables[f"{prefix}_LOGS_ENABLED"] = str(enabled(record, log_type)).lower()
        variables[f"{prefix}_LOG_LEVEL"] = log_level(record, log_type)
        variables[f"{prefix}_LOG_GROUP_ARN"] = log_group_arn(record, log_type)
    return variables


def service_variables(
    record: EnvironmentRecord, secrets: EnvironmentSecrets, environment_id: str, web_host: str
) -> dict[str, str]:
    """What MWAA's service sets on every container of the environment."""
    variables = {
        "AIRFLOW_ENV_ID": environment_id,
        "CUSTOMER_ACCOUNT_ID": ACCOUNT_ID,
        "MWAA__CORE__REQUIREMENTS_PATH": REQUIREMENTS_PATH,
        "MWAA__CORE__STARTUP_SCRIPT_PATH": STARTUP_SCRIPT_PATH,
        "MWAA__CORE__EXECUTOR_TYPE": "CeleryExecutor",
        "MWAA__CORE__AUTH_TYPE": AUTH_TYPE,
        "MWAA__CORE__CUSTOM_AIRFLOW_CONFIGS": custom_airflow_configs(record),
        "MWAA__CORE__FERNET_KEY": json.dumps({"FernetKey": secrets.fernet_key}),
        "MWAA__WEBSERVER__SECRET": json.dumps({"secret_key": secrets.webserver_secret}),
        "MWAA__DB__CREDENTIALS": json.dumps({"username": "airflow", "password": secrets.postgres_password}),
        "MWAA__DB__POSTGRES_HOST": DB_HOST,
        "MWAA__DB__POSTGRES_PORT": str(DB_PORT),
        "MWAA__DB__POSTGRES_DB": DB_NAME,
        "MWAA__DB__POSTGRES_SSLMODE": "prefer",
        # MWAA's entrypoint: CLASSPATH is meant to be the dags/classpath folder.
        "CLASSPATH": f"{AIRFLOW_HOME}/dags/classpath/*",
        **logging_variables(record),
    }
    if record.airflow_version.family >= 3:
        variables["MWAA__CORE__API_SERVER_URL"] = api_server_url(web_host)
    web_level = log_level(record, "WebserverLogs")
    variables["GUNICORN_CMD_ARGS"] = f"--log-level {web_level.lower()}"
    return variables


# The log type whose LogLevel is each container's Airflow logging level: tasks run on the
# workers (and mw1.micro's hybrid), so theirs is TaskLogs'; the scheduler container's is the
# scheduler's, the web servers' the web server's.
LEVEL_LOG_TYPE = {
    "worker": "TaskLogs",
    "hybrid": "TaskLogs",
    "scheduler": "SchedulerLogs",
    "webserver": "WebserverLogs",
    "api-server": "WebserverLogs",
}


# Task logs reach CloudWatch from the workers, where tasks run, and are read back by the web
# servers. The scheduler container's processes write none of them but the triggerers' deferred
# lines, and Airflow's CloudWatch handler costs each of its processes a boto3 client and a
# writer thread (about 45 MiB each on Airflow 3: four triggerer processes on mw1.small); those
# lines stay in the triggerer's own log, which the UI reads from it (docs/differences.md).
WITHOUT_REMOTE_TASK_LOGS = frozenset({"scheduler", "triggerer", "dag-processor"})


def component_variables(service: str, record: EnvironmentRecord) -> dict[str, str]:
    """What MWAA's entrypoint sets for one component (`MWAA_AIRFLOW_COMPONENT` …), and its
    logging level from LoggingConfiguration unless `logging.logging_level` is configured."""
    command = MWAA_COMMANDS[service]
    variables = {
        "MWAA_AIRFLOW_COMPONENT": command,
        "MWAA_COMMAND": command,
        "AWS_EXECUTION_ENV": "Amazon_MWAA_" + record.airflow_version.version.replace(".", ""),
    }
    if service in LEVEL_LOG_TYPE and "logging.logging_level" not in record.configuration_options:
        variables["AIRFLOW__LOGGING__LOGGING_LEVEL"] = log_level(record, LEVEL_LOG_TYPE[service])
    if service in WITHOUT_REMOTE_TASK_LOGS:
        variables["AIRFLOW__LOGGING__REMOTE_LOGGING"] = "False"
    return variables
