"""Environments created, updated, rolled back and deleted through the MWAA API of this session's
region, with unmodified boto3 and the aws CLI configured only from `mwaa-local env`, and the
Docker work behind them. The region runs alone here: none of the session's shared environments
is needed, so these tests run beside the ones that use them."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest

from emulator.cli.lifecycle import Context
from emulator.docker.region import Region
from tests.e2e.mwaa_api import (
    NETWORK,
    ROLE,
    SETTLED,
    airflow_running,
    aws,
    create_input,
    diagnosis,
    error_of,
    local,
    new_bucket,
    same_settings,
    wait_deleted,
    wait_settled,
)
from tests.support import SAMPLES, XCOM_DAG_FILES, cli, region_exports, wait_for


@pytest.fixture
def exports(region: Region) -> dict[str, str]:
    """What `mwaa-local env` prints for this session's region."""
    return region_exports()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "dags").mkdir()
    return tmp_path


def test_create_update_roll_back_and_delete(mwaa: Any, s3: Any, workspace: Path, cleanup: list[str]) -> None:
    first, second = f"itapi{secrets.token_hex(2)}", f"itapi{secrets.token_hex(2)}"
    cleanup += [first, second]
    bucket = new_bucket(s3)
    # In the bucket before the create: an environment with MWAA's timings lists new files only
    # every 300 s, but parses what is there when it starts.
    for file_name in XCOM_DAG_FILES:
        s3.upload_file(str(SAMPLES / file_name), bucket, f"dags/{file_name}")
    # The first is on 2.10.1, whose image nobody has built yet: the control plane builds it
    # while the second starts, and the updates below upgrade it and take it back.
    request = create_input(
        first,
        bucket,
        AirflowVersion="2.10.1",
        EnvironmentClass="mw1.medium",
        MinWorkers=1,
        MaxWorkers=3,
        Tags={"team": "data"},
    )
    assert mwaa.create_environment(**request)["Arn"] == f"arn:aws:airflow:us-east-1:000000000000:environment/{first}"
    # The second mirrors the first as `aws mwaa get-environment` prints it, on 3.3.1, another
    # class and bucket; it is created while the first is still creating.
    template = mwaa.get_environment(Name=first)["Environment"]
    mirrored_bucket = f"arn:aws:s3:::{new_bucket(s3)}"
    source = workspace / "get-environment.json"
    source.write_text(
        json.dumps(
            {"Environment": {**template, "SourceBucketArn": mirrored_bucket, "EnvironmentClass": "mw1.large"}},
            default=str,
        )
    )
    created = cli(
        workspace, "create", "--from", str(source), "--airflow-version", "3.3.1", "--name", second, "--no-wait"
    )
    assert created.returncode == 0, created.stdout + created.stderr
    assert f"CreateEnvironment accepted: arn:aws:airflow:us-east-1:000000000000:environment/{second}" in created.stdout
    for name in (first, second):  # two creates at once
        creating = mwaa.get_environment(Name=name)["Environment"]
        assert (creating["Status"], creating["LastUpdate"]["Status"]) == ("CREATING", "PENDING"), diagnosis(name)
    mirrored, seen = wait_settled(mwaa, second)
    assert (mirrored["Status"], mirrored["LastUpdate"]["Status"]) == ("AVAILABLE", "SUCCESS"), (seen, mirrored)
    assert (mirrored["EnvironmentClass"], mirrored["SourceBucketArn"]) == ("mw1.large", mirrored_bucket)
    assert mirrored["AirflowVersion"] == "3.3.1"
    # What the mirror changed (the version; cloud network resources become the local stand-ins)
    # and the progress of each.
    kept_apart = ("AirflowVersion", "NetworkConfiguration", "Status", "LastUpdate")
    assert same_settings(mirrored, second, kept_apart) == same_settings(template, first, kept_apart), (
        "the same settings, the same record"
    )
    assert (
        local(second, "3.3.1", workspace, mirrored).variables("worker")["AIRFLOW__CELERY__WORKER_AUTOSCALE"] == "20,20"
    )
    environment, seen = wait_settled(mwaa, first, 1200)  # an image build on a cold pip cache
    assert (environment["Status"], environment["LastUpdate"]["Status"]) == ("AVAILABLE", "SUCCESS"), (seen, environment)

    listed = [
        name
        for page in mwaa.get_paginator("list_environments").paginate(PaginationConfig={"PageSize": 1})
        for name in page["Environments"]
    ]
    assert {first, second} <= set(listed)
    assert len(listed) == len(set(listed)), "pages do not repeat"

    assert (environment["EnvironmentClass"], environment["MinWorkers"], environment["MaxWorkers"]) == (
        "mw1.medium",
        1,
        3,
    )
    assert environment["Tags"] == {"team": "data"}
    assert environment["Schedulers"] == 2 and environment["WebserverAccessMode"] == "PRIVATE_ONLY"
    running = local(first, "2.10.1", workspace, environment)
    assert running.variables("worker")["AIRFLOW__CELERY__WORKER_AUTOSCALE"] == "10,10", "mw1.medium's tasks per worker"
    assert airflow_running(running) == "2.10.1"
    wait_for(lambda: running.sql("SELECT 1 FROM dag WHERE dag_id = 'it_xcom'"), 180, "it_xcom in the database")
    assert running.run_dag("it_xcom", "on_2_10_1") == "success", running.logs()

    mwaa.delete_environment(Name=second)
    assert mwaa.get_environment(Name=second)["Environment"]["Status"] == "DELETING"
    wait_deleted(mwaa, second)
    assert error_of(mwaa.get_environment, Name=second)[1] == "ResourceNotFoundException"
    assert not Context.load().state(second).exists(), "its state went with it"

    arn = environment["Arn"]
    mwaa.tag_resource(ResourceArn=arn, Tags={"env": "prod-1"})
    mwaa.untag_resource(ResourceArn=arn, tagKeys=["team"])
    assert mwaa.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"env": "prod-1"}

    # A minor-version upgrade with class, workers and options in the same update.
    options = {"core.default_task_retries": "3"}
    mwaa.update_environment(
        Name=first,
        AirflowVersion="2.10.3",
        EnvironmentClass="mw1.large",
        MaxWorkers=4,
        AirflowConfigurationOptions=options,
    )
    assert error_of(mwaa.update_environment, Name=first, MaxWorkers=5) == (
        400,
        "ValidationException",
        f"Environment {first} is UPDATING; UpdateEnvironment needs it to be AVAILABLE or UPDATE_FAILED.",
    )
    updated, seen = wait_settled(mwaa, first)
    assert updated["Status"] == "AVAILABLE" and seen[0] == "UPDATING", (seen, updated.get("LastUpdate"))
    assert (updated["AirflowVersion"], updated["EnvironmentClass"], updated["MinWorkers"], updated["MaxWorkers"]) == (
        "2.10.3",
        "mw1.large",
        1,
        4,
    )
    assert updated["AirflowConfigurationOptions"] == options, "options replace the map; other members kept"
    assert updated["Tags"] == {"env": "prod-1"}
    worker = running.variables("worker")
    assert worker["AIRFLOW__CORE__DEFAULT_TASK_RETRIES"] == "3", "the change reached the workers"
    assert worker["AIRFLOW__CELERY__WORKER_AUTOSCALE"] == "20,20", "mw1.large's tasks per worker"
    assert airflow_running(running) == "2.10.3", "the database migrated forward and 2.10.3 runs"
    assert running.run_state("it_xcom", "on_2_10_1") == "success", "the run history survived the upgrade"
    assert running.run_dag("it_xcom", "on_2_10_3") == "success", running.logs()

    # A minor-version downgrade: 2.10.3's image takes the database back before 2.10.1 starts.
    mwaa.update_environment(Name=first, AirflowVersion="2.10.1")
    downgraded, seen = wait_settled(mwaa, first)
    assert (downgraded["Status"], downgraded["AirflowVersion"]) == ("AVAILABLE", "2.10.1"), (seen, downgraded)
    assert airflow_running(running) == "2.10.1"
    assert running.run_state("it_xcom", "on_2_10_3") == "success", "the run history survived the downgrade"
    assert running.run_dag("it_xcom", "after_downgrade") == "success", running.logs()

    mwaa.update_environment(Name=first, AirflowConfigurationOptions={"database.sql_alchemy_pool_size": "many"})
    failed, seen = wait_settled(mwaa, first)
    assert failed["Status"] == "UPDATE_FAILED", (seen, failed.get("LastUpdate"))
    assert seen[0] == "UPDATING" and "ROLLING_BACK" in seen, seen  # the rollback restarts containers: seconds
    assert failed["LastUpdate"]["Status"] == "FAILED"
    assert "SQL_ALCHEMY_POOL_SIZE" in failed["LastUpdate"]["Error"]["ErrorMessage"]
    assert failed["AirflowConfigurationOptions"] == options, "the previous configuration is the record again"
    assert running.variables("worker")["AIRFLOW__CORE__DEFAULT_TASK_RETRIES"] == "3"
    assert running.run_dag("it_xcom", "after_failed_update") == "success", running.logs()

    mwaa.delete_environment(Name=first)
    assert mwaa.get_environment(Name=first)["Environment"]["Status"] == "DELETING"
    wait_deleted(mwaa, first)
    assert error_of(mwaa.get_environment, Name=first)[:2] == (404, "ResourceNotFoundException")
    assert not running.containers(), "its containers are gone"


def test_the_aws_cli_drives_the_same_flow(exports: dict[str, str], s3: Any, cleanup: list[str]) -> None:
    name = f"itcli{secrets.token_hex(2)}"
    cleanup.append(name)
    bucket = new_bucket(s3)
    created = aws(
        exports,
        "create-environment",
        "--name",
        name,
        "--airflow-version",
        "2.10.3",
        "--source-bucket-arn",
        f"arn:aws:s3:::{bucket}",
        "--dag-s3-path",
        "dags",
        "--execution-role-arn",
        ROLE,
        "--network-configuration",
        json.dumps(NETWORK),
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["Arn"].endswith(f":environment/{name}")

    def status() -> str:
        shown = aws(exports, "get-environment", "--name", name)
        assert shown.returncode == 0, shown.stderr
        return str(json.loads(shown.stdout)["Environment"]["Status"])

    assert wait_for(lambda: (found := status()) in SETTLED and found, 600, f"{name} settled") == "AVAILABLE"
    assert name in json.loads(aws(exports, "list-environments").stdout)["Environments"]
    arn = f"arn:aws:airflow:us-east-1:000000000000:environment/{name}"
    assert aws(exports, "tag-resource", "--resource-arn", arn, "--tags", "owner=cli").returncode == 0
    assert json.loads(aws(exports, "list-tags-for-resource", "--resource-arn", arn).stdout) == {
        "Tags": {"owner": "cli"}
    }
    updated = aws(exports, "update-environment", "--name", name, "--max-workers", "2")
    assert updated.returncode == 0, updated.stderr
    assert wait_for(lambda: (found := status()) in SETTLED and found, 600, f"{name} updated") == "AVAILABLE"
    shown = json.loads(aws(exports, "get-environment", "--name", name).stdout)["Environment"]
    assert shown["MaxWorkers"] == 2
    assert aws(exports, "delete-environment", "--name", name).returncode == 0
    wait_for(lambda: aws(exports, "get-environment", "--name", name).returncode != 0, 300, f"{name} deleted")
    gone = aws(exports, "get-environment", "--name", name)
    assert "ResourceNotFoundException" in gone.stderr and f"Environment {name} not found." in gone.stderr
