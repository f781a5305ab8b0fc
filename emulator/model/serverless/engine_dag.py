"""The DAG file a workflow version becomes in the serverless engine: its definition, loaded by
dag-factory as MWAA Serverless loads it, under a DAG id of its own (two versions, or two
workflows, may use the same id in their YAML). The control plane starts every run itself (on
demand or on the workflow's schedule), so the engine's DAG has no schedule of its own and is
never paused. Its tasks' AWS calls use the workflow role's connection.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

DAG_ID_LIMIT = 250  # Airflow's
ENGINE_SETTINGS = {"schedule": None, "catchup": False, "is_paused_upon_creation": False}
DROPPED = ("schedule", "schedule_interval")
LOADER = """\
# The engine's DAG of MWAA Serverless workflow {name!r}, version {version} (written by mwaa-local).
# airflow DAG: dag-factory builds it from the version's definition file beside this one, as MWAA
# Serverless does (from a file, dag-factory expands environment variables and `__type__` values).
from pathlib import Path

from dagfactory import load_yaml_dags

load_yaml_dags(globals_dict=globals(), config_filepath=str(Path(__file__).with_suffix(".yaml")))
"""


def engine_dag_id(name: str, version: str) -> str:
    """The engine's DAG id of a workflow version: its name and version, within Airflow's limit."""
    return f"{name[: DAG_ID_LIMIT - len(version) - 2]}__{version}"


def file_name(name: str, version: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", engine_dag_id(name, version)) + ".py"


def engine_definition(text: str, name: str, version: str, connection: str) -> dict[str, Any]:
    """The definition with its one DAG renamed for the engine, left to the control plane to
    start, and its tasks given the workflow role's connection; shared `default` settings are
    kept as dag-factory reads them."""
    document = yaml.safe_load(text)
    dags = {key: value for key, value in document.items() if key != "default"}
    ((_, dag),) = dags.items()
    renamed = {key: value for key, value in dict(dag).items() if key not in DROPPED} | ENGINE_SETTINGS
    renamed["default_args"] = {**dict(renamed.get("default_args") or {}), "aws_conn_id": connection}
    if isinstance(renamed.get("dagrun_timeout"), int | float):  # seconds, as AWS's converter writes it
        renamed["dagrun_timeout"] = {"__type__": "datetime.timedelta", "seconds": renamed["dagrun_timeout"]}
    shared = {"default": document["default"]} if "default" in document else {}
    return shared | {engine_dag_id(name, version): renamed}


def engine_files(text: str, name: str, version: str, connection: str) -> dict[str, str]:
    """The files that make the version's DAG in the engine, its tasks acting as the workflow's
    role through `connection`: the definition first, then the Python file that loads it."""
    stem = file_name(name, version).removesuffix(".py")
    definition = yaml.safe_dump(engine_definition(text, name, version, connection), sort_keys=False)
    return {f"{stem}.yaml": definition, f"{stem}.py": LOADER.format(name=name, version=version)}
