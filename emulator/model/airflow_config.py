"""The Airflow configuration every component of an environment runs with.

Three layers, in MWAA's precedence (docs/reference.md §13, §15), lowest first:
1. MWAA's opinionated defaults, which users may override;
2. the record's AirflowConfigurationOptions, `section.option` → `AIRFLOW__SECTION__OPTION`;
3. MWAA's essential settings (executor, database, broker, secrets) and protected variables,
   which always win.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from emulator.model.log_groups import enabled, log_group_arn
from emulator.model.record import EnvironmentRecord
from emulator.model.reserved import PROTECTED
from emulator.model.timings import BUNDLE_REFRESH_CHECK_DEFAULT, Timings

# MWAA's reserved options (docs/reference.md §13, §15.2) that MWAA points at its own modules or
# services. Locally Airflow's own default stands in, so the user's value is dropped.
RESERVED_UNSET = frozenset(
    {
        "AIRFLOW__CORE__SQL_ALCHEMY_CONN",
        "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS",
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__REGION",
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__PREDEFINED_QUEUES",
        "AIRFLOW__LOGGING__LOGGING_CONFIG_CLASS",
        "AIRFLOW__WEBSERVER__CONFIG_FILE",
        "AIRFLOW__FAB__CONFIG_FILE",
        "AIRFLOW__METRICS__STATSD_ALLOW_LIST",
        "AIRFLOW__METRICS__METRICS_BLOCK_LIST",
    }
)
# Options MWAA accepts and then ignores (the class's worker_autoscale decides concurrency).
IGNORED_OPTIONS = frozenset({"celery.worker_concurrency"})
FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
DB_HOST, DB_PORT, DB_NAME = "postgres", 5432, "airflow"
DATABASE = f"{DB_HOST}:{DB_PORT}/{DB_NAME}"
BROKER_URL = "redis://redis:6379/0"
# The control plane receives every environment's StatsD lines, told apart by their prefix.
STATSD_HOST, STATSD_PORT = "control-plane", 8125
WEB_PORT = 8080


def api_server_url(web_host: str) -> str:
    """Airflow 3's API server as the environment's containers reach it (its web container's
    per-environment name: emulator/state/settings.py, `Naming.web_host`)."""
    return f"http://{web_host}:{WEB_PORT}"


# MWAA's broker visibility timeout (12 h), on every Airflow version.
VISIBILITY_TIMEOUT = "43200"


@dataclass(frozen=True)
class EnvironmentSecrets:
    """Per-environment secrets, generated at first `up` and kept in the environment's state."""

    fernet_key: str
    webserver_secret: str
    jwt_secret: str
    postgres_password: str
    admin_password: str


def option_variable(option: str) -> str:
    """`core.dag_concurrency` → `AIRFLOW__CORE__DAG_CONCURRENCY`, as MWAA translates it."""
    section, _, key = option.partition(".")
    return f"AIRFLOW__{section.upper()}__{key.upper()}"


def celery_queue(record: EnvironmentRecord) -> str:
    """The one Celery queue of an environment: MWAA names it after the environment's SQS queue."""
    return f"airflow-celery-{record.name.lower()}"


def overruled_variables(record: EnvironmentRecord) -> frozenset[str]:
    """Variables no configuration option changes: protected and reserved ones, and MWAA's
    essential settings."""
    return PROTECTED | RESERVED_UNSET | essential_names(record)


def essential_names(record: EnvironmentRecord) -> frozenset[str]:
    """The names of MWAA's essential settings (they do not depend on the secrets' values)."""
    return frozenset(essential(record, EnvironmentSecrets("", "", "", "", ""), "", ""))


def user_variables(record: EnvironmentRecord) -> tuple[dict[str, str], list[str]]:
    """The record's options as variables, and the options MWAA ignores: those its essential
    or protected settings overrule, and those it never reads."""
    overruled = overruled_variables(record)
    kept: dict[str, str] = {}
    ignored: list[str] = []
    for option, value in sorted(record.configuration_options.items()):
        variable = option_variable(option)
        if variable in overruled or option in IGNORED_OPTIONS:
            ignored.append(option)
        else:
            kept[variable] = str(value)
    return kept, ignored


def opinionated(record: EnvironmentRecord, timings: Timings) -> dict[str, str]:
    """MWAA's overridable defaults (docs/reference.md §15.3), with the timings profile's intervals."""
    spec = record.environment_class
    common = {
        "AIRFLOW_CONN_AWS_DEFAULT": "aws://",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "AIRFLOW__CORE__PARALLELISM": "32",
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "16",
        "AIRFLOW__CELERY__WORKER_AUTOSCALE": spec.worker_autoscale,
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "30",
        "AIRFLOW__CORE__DAG_FILE_PROCESSOR_TIMEOUT": "50",
        "AIRFLOW__CORE__DEFAULT_POOL_TASK_SLOT_COUNT": "10000",
        "AIRFLOW__CORE__LAZY_LOAD_PLUGINS": "True",
        "AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES": "proxy,proxies",
        "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "1800",
        "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
        "AIRFLOW__SECRETS__BACKEND_KWARGS": json.dumps({"connections_lookup_pattern": "^(?!aws_default$).*$"}),
        # Every token login is the edge's, from one address: FAB's 5 logins per 40 s per address
        # would refuse the sixth browser to sign in (MWAA's logins are IAM's, never FAB's form).
        "AIRFLOW__FAB__AUTH_RATE_LIMITED": "False",
    }
    if record.airflow_version.family == 2:
        family = {
            "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": str(timings.dag_dir_list_interval),
            "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": str(timings.min_file_process_interval),
            "AIRFLOW__SCHEDULER__PARSING_PROCESSES": "2",
            "AIRFLOW__SCHEDULER__SCHEDULE_AFTER_TASK_EXECUTION": "False",
            "AIRFLOW__WEBSERVER__EXPOSE_CONFIG": "False",
            "AIRFLOW__WEBSERVER__ENABLE_PROXY_FIX": "True",
            "AIRFLOW__TRIGGERER__DEFAULT_CAPACITY": str(spec.triggerer_capacity or 1000),
        }
    else:
        family = {
            # Set by MWAA's 3.x images; Airflow 3 only reads it on Airflow 2's code path.
            "AIRFLOW__CORE__EXECUTE_TASKS_NEW_PYTHON_INTERPRETER": "True",
            **bundle_scan_intervals(timings),
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": str(timings.min_file_process_interval),
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "2",
            "AIRFLOW__API__EXPOSE_CONFIG": "False",
            "AIRFLOW__API__WORKERS": "1",
            **api_server_type(record),
            "AIRFLOW__TRIGGERER__CAPACITY": str(spec.triggerer_capacity or 1000),
            "AIRFLOW__WORKERS__SECRETS_BACKEND_KWARGS": json.dumps(
                {"connections_lookup_pattern": "^(?!aws_default$).*$"}
            ),
        }
    return {**common, **family}


def bundle_scan_intervals(timings: Timings) -> dict[str, str]:
    """Airflow 3's DAG processor checks every `bundle_refresh_check_interval` whether its bundle is
    due a scan: due when `refresh_interval` has passed since the last scan's time in the database.
    A scan interval no longer than the check's is paced by the check alone (refresh interval 0):
    equal, the last scan is a fraction of a second short of it at the next check, which then
    skips it and scans a check later (1 s scans came every 2 s)."""
    check = min(BUNDLE_REFRESH_CHECK_DEFAULT, timings.dag_dir_list_interval)
    scan = 0 if timings.dag_dir_list_interval <= check else timings.dag_dir_list_interval
    return {
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": str(scan),
        "AIRFLOW__DAG_PROCESSOR__BUNDLE_REFRESH_CHECK_INTERVAL": str(check),
    }


def api_server_type(record: EnvironmentRecord) -> dict[str, str]:
    """MWAA runs Airflow 3's API server under gunicorn (3.2 on) with a rolling 12 h worker refresh.
    mwaa-local leaves Airflow's default, uvicorn: one process instead of gunicorn's master and
    worker, half the memory of each web server (docs/differences.md). `api.server_type` set to
    `gunicorn` gives MWAA's, with its refresh."""
    if record.airflow_version.release < (3, 2):
        return {}
    return {"AIRFLOW__API__WORKER_REFRESH_INTERVAL": "43200", "AIRFLOW__API__WORKER_REFRESH_BATCH_SIZE": "1"}


def essential(record: EnvironmentRecord, secrets: EnvironmentSecrets, base_url: str, web_host: str) -> dict[str, str]:
    """What MWAA forces whatever the user configures (docs/reference.md §15.2)."""
    credentials = f"airflow:{secrets.postgres_password}"
    settings = {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__FERNET_KEY": secrets.fernet_key,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{credentials}@{DATABASE}",
        "AIRFLOW__CELERY__BROKER_URL": BROKER_URL,
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://{credentials}@{DATABASE}",
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": VISIBILITY_TIMEOUT,
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": celery_queue(record),
        "AIRFLOW__CELERY__DEFAULT_QUEUE": celery_queue(record),
        # Airflow's metrics go to the region's CloudWatch as MWAA's agent sends them (docs/reference.md §22).
        "AIRFLOW__METRICS__STATSD_ON": "True",
        "AIRFLOW__METRICS__STATSD_HOST": STATSD_HOST,
        "AIRFLOW__METRICS__STATSD_PORT": str(STATSD_PORT),
        "AIRFLOW__METRICS__STATSD_PREFIX": record.name,
        "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
        **task_logging(record),
    }
    if record.airflow_version.family == 2:
        settings |= {
            "AIRFLOW__WEBSERVER__SECRET_KEY": secrets.webserver_secret,
            "AIRFLOW__WEBSERVER__BASE_URL": base_url,
            "AIRFLOW__API__AUTH_BACKENDS": "airflow.api.auth.backend.session,airflow.api.auth.backend.basic_auth",
        }
    else:
        settings |= {
            "AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api_server_url(web_host)}/execution/",
            "AIRFLOW__CORE__MULTI_TEAM": "False",
            "AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR": "True",
            "AIRFLOW__TRIGGERER__QUEUES_ENABLED": "False",
            "AIRFLOW__CELERY__WORKER_ENABLE_REMOTE_CONTROL": "False",
            "AIRFLOW__API__SECRET_KEY": secrets.webserver_secret,
            "AIRFLOW__API__BASE_URL": base_url,
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.jwt_secret,
            "AIRFLOW__API_AUTH__JWT_ALGORITHM": "HS256",
            "AIRFLOW__EXECUTION_API__JWT_EXPIRATION_TIME": "86400",
        }
    return settings


def task_logging(record: EnvironmentRecord) -> dict[str, str]:
    """Task logs as MWAA ships them: with TaskLogs enabled, Airflow's CloudWatch task handler
    writes each attempt's log to the Task group (a stream per log path) at the type's level, and
    the UI reads it back from there (docs/reference.md §21). Each component's level is its log
    type's (model/container_variables.py)."""
    if not enabled(record, "TaskLogs"):
        return {"AIRFLOW__LOGGING__REMOTE_LOGGING": "False"}
    return {
        "AIRFLOW__LOGGING__REMOTE_LOGGING": "True",
        "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER": f"cloudwatch://{log_group_arn(record, 'TaskLogs')}",
        "AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID": "aws_default",
    }


def component_environment(
    record: EnvironmentRecord, timings: Timings, secrets: EnvironmentSecrets, base_url: str, web_host: str
) -> dict[str, str]:
    """The Airflow variables of every component: opinionated < user options < essential."""
    user, _ = user_variables(record)
    return {**opinionated(record, timings), **user, **essential(record, secrets, base_url, web_host)}


def custom_airflow_configs(record: EnvironmentRecord) -> str:
    """`MWAA__CORE__CUSTOM_AIRFLOW_CONFIGS` as MWAA's service fills it: every option the user
    gave, as `AIRFLOW__SECTION__OPTION` → value, ignored ones included (the container, not
    the service, decides what wins)."""
    given = {option_variable(option): str(value) for option, value in record.configuration_options.items()}
    return json.dumps(given, sort_keys=True)


# `parse` imports DAG files only: a database nobody reaches, no broker, no metrics.
PARSE_DATABASE = "sqlite:////tmp/mwaa-local-parse.db"


def parse_environment(record: EnvironmentRecord, timings: Timings) -> dict[str, str]:
    """The Airflow variables `mwaa-local parse` imports DAG files with: the environment's options
    over MWAA's defaults, as its DAG processor has them, without the services it would reach."""
    user, _ = user_variables(record)
    return {
        **opinionated(record, timings),
        **user,
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": PARSE_DATABASE,
        "AIRFLOW__METRICS__STATSD_ON": "False",
        "AIRFLOW__LOGGING__REMOTE_LOGGING": "False",
        # Airflow logs each failure with its traceback; the report says each once, shorter.
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "CRITICAL",
    }
