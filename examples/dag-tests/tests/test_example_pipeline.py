"""The DAGs of this repository, run on a local MWAA environment by mwaa-local's pytest plugin
(turned on in pytest.ini). `pytest` starts the environment of environment.json unless it is
running already, uploads the repository to its bucket, and runs each DAG as MWAA would."""

from __future__ import annotations

from typing import Any


def test_the_pipeline_greets_whom_the_conf_names(run_dag: Any) -> None:
    outcome = run_dag("example_pipeline", conf={"name": "CI"})

    assert outcome.succeeded, {task.name: task.log[-20:] for task in outcome.failed_tasks}
    assert outcome.xcoms["report"] == "Hello, CI: 3 rows"
    assert outcome.xcoms["extract"] == {"name": "CI", "rows": 3}
    assert any("extracting for CI" in line for line in outcome.tasks["extract"].log), outcome.tasks["extract"].log


def test_the_environment_holds_the_dags_and_no_import_error(
    mwaa_environment: Any, mwaa_client: Any, s3_client: Any
) -> None:
    record = mwaa_client.get_environment(Name=mwaa_environment.name)["Environment"]
    assert record["Status"] == "AVAILABLE"

    bucket = record["SourceBucketArn"].split(":::")[-1]
    listed = s3_client.list_objects_v2(Bucket=bucket, Prefix=record["DagS3Path"].rstrip("/") + "/")
    assert f"{record['DagS3Path'].rstrip('/')}/example_pipeline.py" in [item["Key"] for item in listed["Contents"]]

    answer = mwaa_client.invoke_rest_api(Name=mwaa_environment.name, Method="GET", Path="/importErrors")
    assert answer["RestApiResponse"]["import_errors"] == []
