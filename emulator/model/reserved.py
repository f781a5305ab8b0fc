"""Variables users cannot change: MWAA's reserved list and the variables its images protect.

Shared by both sides: the configuration renderer drops user options that would change them,
and the startup-script runner restores them when a script exports new values.
"""

from __future__ import annotations

import json

# Variables no configuration option or startup script can change (docker-images
# `_is_protected_os_environ`; every `MWAA__*` variable is protected too).
PROTECTED = frozenset(
    {
        "AIRFLOW_HOME",
        "AIRFLOW_VERSION",
        "AIRFLOW_ENV_NAME",
        "AIRFLOW_ENV_ID",
        "AIRFLOW_TASK_REVISION_ID",
        "AIRFLOW__WEBSERVER__BASE_URL",
        "AIRFLOW__API__BASE_URL",
        "AIRFLOW__CORE__DATABASE_ACCESS_ISOLATION",
        "AIRFLOW__AWS_MWAA__REDIRECT_URL",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "CUSTOMER_ACCOUNT_ID",
        "JWT_PUBLIC_KEY",
        "PYTHONPATH",
        "PYTHONUNBUFFERED",
    }
)
PROTECTED_PREFIX = "MWAA__"
# mwaa-local's own variables (the components a container runs, the edge's material, the
# essential settings' names): a startup script that changed them would change mwaa-local, not
# Airflow, so they are restored like MWAA's protected ones.
LOCAL_PREFIX = "MWAA_LOCAL_"

# The user guide's reserved variables (docs/reference.md §13): a startup script's new value is
# replaced by MWAA's. PYTHONPATH is reserved from Airflow 2.9, older than any version here.
RESERVED = frozenset(
    {
        "MWAA__AIRFLOW__COMPONENT",
        "MWAA_AIRFLOW_COMPONENT",
        "AIRFLOW_HOME",
        "AIRFLOW_VERSION",
        "AIRFLOW__CORE__EXECUTOR",
        "AIRFLOW__CORE__LOAD_EXAMPLES",
        "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__WEBSERVER__SECRET_KEY",
        "AIRFLOW__WEBSERVER__BASE_URL",
        "AIRFLOW_SCHEDULER_ALLOWED_RUN_ID_PATTERN",
        "SQL_ALCHEMY_CONN",
        "AIRFLOW__CORE__SQL_ALCHEMY_CONN",
        "AIRFLOW__CELERY__BROKER_URL",
        "AIRFLOW__CELERY__RESULT_BACKEND",
        "AIRFLOW__CELERY__DEFAULT_QUEUE",
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE",
        "AIRFLOW__CELERY__WORKER_AUTOSCALE",
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT",
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__REGION",
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__PREDEFINED_QUEUES",
        "AIRFLOW__CORE__DAG_CONCURRENCY",
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG",
        "AIRFLOW__CORE__PARALLELISM",
        "AIRFLOW__SCHEDULER__PARSING_PROCESSES",
        "AIRFLOW__METRICS__METRICS_BLOCK_LIST",
        "AIRFLOW__METRICS__STATSD_ALLOW_LIST",
        "AIRFLOW__METRICS__STATSD_ON",
        "AIRFLOW__METRICS__STATSD_HOST",
        "AIRFLOW__METRICS__STATSD_PORT",
        "AIRFLOW__METRICS__STATSD_PREFIX",
        "AIRFLOW_CONN_AWS_DEFAULT",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "PYTHONUNBUFFERED",
        "PYTHONPATH",
    }
)

# The names of MWAA's essential settings of this environment (rendered by mwaa-local, comma
# separated): they outrank a startup script's exports, as MWAA's essential configuration does.
ESSENTIAL_VARIABLE = "MWAA_LOCAL_ESSENTIAL_VARIABLES"
# The user's AirflowConfigurationOptions, as MWAA's service passes them: they outrank exports too.
CUSTOM_CONFIGS_VARIABLE = "MWAA__CORE__CUSTOM_AIRFLOW_CONFIGS"


def held(environ: dict[str, str]) -> frozenset[str]:
    """What a startup script cannot change in this container (besides every `MWAA__*`)."""
    essential = {name for name in environ.get(ESSENTIAL_VARIABLE, "").split(",") if name}
    try:
        custom = set(json.loads(environ.get(CUSTOM_CONFIGS_VARIABLE) or "{}"))
    except ValueError:
        custom = set()
    return PROTECTED | RESERVED | essential | custom | {ESSENTIAL_VARIABLE}


def is_held(name: str, names: frozenset[str]) -> bool:
    return name in names or name.startswith((PROTECTED_PREFIX, LOCAL_PREFIX))
