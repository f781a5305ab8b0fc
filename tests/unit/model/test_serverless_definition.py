"""Workflow definitions as MWAA Serverless reads them: dag-factory YAML, one DAG, Amazon
operators only, no dynamic task mapping, every problem with its line."""

from __future__ import annotations

import pytest

from emulator.model.serverless.definition import DefinitionError, parse_definition

S3_LIST = "airflow.providers.amazon.aws.operators.s3.S3ListOperator"


def problems(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as raised:
        parse_definition(text.encode())
    return [str(problem) for problem in raised.value.problems]


def test_tasks_as_a_mapping_shared_defaults_and_an_on_demand_schedule() -> None:
    text = f"""default:
  default_args: {{retries: 1}}
flow:
  schedule: null
  tasks:
    first:
      operator: {S3_LIST}
    second:
      operator: airflow.providers.amazon.aws.sensors.s3.S3KeySensor
      dependencies: [first]
"""
    definition = parse_definition(text.encode())
    assert (definition.dag_id, definition.schedule) == ("flow", None)
    assert [(task.task_id, task.dependencies) for task in definition.tasks] == [("first", ()), ("second", ("first",))]


def test_one_dag_per_definition() -> None:
    text = f"a:\n  tasks: [{{task_id: t, operator: {S3_LIST}}}]\nb:\n  tasks: []\n"
    assert problems(text) == ["line 1: a workflow definition holds exactly one DAG; found 2 (a, b)"]


def test_python_code_a_missing_operator_and_a_bad_schedule_are_each_reported() -> None:
    text = f"""flow:
  schedule: every morning
  tasks:
    - task_id: code
      python_callable_name: run
      python_callable_file: /x.py
    - task_id: nothing
      retries: 2
    - task_id: fine
      operator: {S3_LIST}
"""
    assert problems(text) == [
        "line 2: schedule 'every morning' is not a cron expression",
        "line 5: task 'code': Python code (python_callable_name) is not allowed in MWAA Serverless; "
        "use an operator of the Amazon provider",
        "line 6: task 'code': Python code (python_callable_file) is not allowed in MWAA Serverless; "
        "use an operator of the Amazon provider",
        "line 7: task 'nothing' names no operator",
    ]


def test_not_a_mapping_and_not_text() -> None:
    assert problems("- a\n- b\n") == ["line 1: the definition must be a mapping of a DAG id to its DAG"]
    with pytest.raises(DefinitionError, match="not UTF-8"):
        parse_definition(b"\xff\xfe")


def test_the_empty_operator_and_the_amazon_transfers_are_allowed() -> None:
    text = """flow:
  tasks:
    start:
      operator: airflow.providers.standard.operators.empty.EmptyOperator
    export:
      operator: airflow.providers.amazon.aws.transfers.dynamodb_to_s3.DynamoDBToS3Operator
      dependencies: [start]
"""
    assert [task.task_id for task in parse_definition(text.encode()).tasks] == ["start", "export"]


def test_dagrun_timeout_in_seconds_or_as_a_timedelta() -> None:
    task = f"  tasks: [{{task_id: t, operator: {S3_LIST}}}]\n"
    assert parse_definition(f"flow:\n  dagrun_timeout: 90\n{task}".encode()).timeout_seconds == 90
    typed = "  dagrun_timeout: {__type__: datetime.timedelta, minutes: 2, seconds: 5}\n"
    assert parse_definition(f"flow:\n{typed}{task}".encode()).timeout_seconds == 125
    assert problems(f"flow:\n  dagrun_timeout: soon\n{task}") == [
        "line 2: dagrun_timeout must be a number of seconds or a datetime.timedelta"
    ]
