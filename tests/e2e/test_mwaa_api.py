"""The MWAA API of the running region, through unmodified boto3 and the aws CLI configured only
from `mwaa-local env`: records, the status machine, errors, and the Docker work behind them."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from emulator.lifecycle import Context
from emulator.settings import HOME_VARIABLE
from tests.support import SAMPLES, XCOM_DAG_FILES, Environment, cli, env_exports, wait_for

SETTLED = ("AVAILABLE", "CREATE_FAILED", "UPDATE_FAILED", "UNAVAILABLE")
ROLE = "arn:aws:iam::000000000000:role/mwaa-local-execution-role"
NETWORK = {"SubnetIds": ["subnet-a", "subnet-b"], "SecurityGroupIds": ["sg-a"]}


@pytest.fixture
def exports(both: list[Environment]) -> dict[str, str]:
    return env_exports(both[0])


@pytest.fixture
def mwaa(exports: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """boto3's MWAA client configured by nothing but the exported variables, as a user's script."""
    for variable, value in exports.items():
        monkeypatch.setenv(variable, value)
    return boto3.session.Session().client("mwaa")


@pytest.fixture
def s3(mwaa: Any) -> Any:
    return boto3.session.Session().client("s3")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "dags").mkdir()
    return tmp_path


def new_bucket(s3: Any, versioned: bool = True) -> str:
    bucket = f"mwaa-local-api-{secrets.token_hex(4)}"
    s3.create_bucket(Bucket=bucket)
    if versioned:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return bucket


def create_input(name: str, bucket: str, **members: Any) -> dict[str, Any]:
    return {
        "Name": name,
        "ExecutionRoleArn": ROLE,
        "SourceBucketArn": f"arn:aws:s3:::{bucket}",
        "DagS3Path": "dags",
        "NetworkConfiguration": NETWORK,
        **members,
    }


def error_of(call: Any, **arguments: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as caught:
        call(**arguments)
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def wait_settled(mwaa: Any, name: str, timeout: float = 600) -> tuple[dict[str, Any], list[str]]:
    """The environment once its status settles, and every status seen on the way."""
    seen: list[str] = []

    def settled() -> dict[str, Any] | None:
        environment: dict[str, Any] = mwaa.get_environment(Name=name)["Environment"]
        if not seen or seen[-1] != environment["Status"]:
            seen.append(environment["Status"])
        return environment if environment["Status"] in SETTLED else None

    try:
        # An error (no such environment) ends the wait at once: the caller decides what it means.
        return wait_for(settled, timeout, f"{name} to settle", interval=1, retrying=()), seen
    except AssertionError as error:
        raise AssertionError(f"{error}; statuses seen: {seen}\n{diagnosis(name)}") from None


def diagnosis(name: str) -> str:
    """What the control plane says about an environment's job: its record's progress and its log."""
    status_file = Context.load().state(name).directory / "status.json"
    progress = status_file.read_text() if status_file.exists() else "no status.json"
    names = [c.name for c in Context.load().region().project.containers() if c.service == "control-plane"]
    logs = subprocess.run(["docker", "logs", "--tail", "60", *names[:1]], capture_output=True, text=True)
    return f"status.json: {progress}\ncontrol plane log:\n{logs.stdout[-4000:]}{logs.stderr[-4000:]}"


def wait_deleted(mwaa: Any, name: str, timeout: float = 300) -> list[str]:
    seen: list[str] = []

    def gone() -> bool:
        try:
            status = mwaa.get_environment(Name=name)["Environment"]["Status"]
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ResourceNotFoundException"
            return True
        if not seen or seen[-1] != status:
            seen.append(status)
        return False

    try:
        wait_for(gone, timeout, f"{name} to be deleted", interval=1, retrying=())
    except AssertionError as error:
        raise AssertionError(f"{error}; statuses seen: {seen}") from None
    return seen


def airflow_running(environment: Environment) -> str:
    """The Airflow version the scheduler runs."""
    return environment.exec("scheduler", "airflow", "version").strip().splitlines()[-1]


def same_settings(environment: dict[str, Any], name: str) -> dict[str, Any]:
    """A GetEnvironment record without what differs between two environments of the same settings."""
    differing = ("CreatedAt", "LastUpdate", "WebserverUrl", "SourceBucketArn", "EnvironmentClass")
    kept = {member: value for member, value in environment.items() if member not in differing}
    return dict(json.loads(json.dumps(kept, default=str).replace(name, "<name>")))


def local(name: str, version: str, workspace: Path, environment: dict[str, Any]) -> Environment:
    """The test helpers for an environment the API created."""
    port = Context.load().state(name).local_settings().web_port
    return Environment(name, version, workspace, port, environment["SourceBucketArn"].rsplit(":", 1)[1])


@pytest.fixture
def cleanup(mwaa: Any) -> Iterator[list[str]]:
    """Names to delete after the test, whatever it left."""
    names: list[str] = []
    yield names
    for name in names:
        try:
            wait_settled(mwaa, name, 600)
            mwaa.delete_environment(Name=name)
        except ClientError:
            continue
        wait_deleted(mwaa, name)


def test_the_up_environments_have_mwaa_records(mwaa: Any, both: list[Environment]) -> None:
    names = mwaa.list_environments()["Environments"]
    for environment in both:
        assert environment.name in names
        found = mwaa.get_environment(Name=environment.name)["Environment"]
        assert found["Status"] == "AVAILABLE"
        assert found["Arn"] == f"arn:aws:airflow:us-east-1:000000000000:environment/{environment.name}"
        assert found["AirflowVersion"] == environment.version
        assert found["WebserverUrl"] == f"localhost:{environment.https_port}", "the edge's https port"
        assert found["LastUpdate"]["Status"] == "SUCCESS"
        assert found["SourceBucketArn"] == f"arn:aws:s3:::{environment.bucket}"
        printed = cli(environment.workspace, "get", environment.name)
        assert printed.returncode == 0, printed.stderr
        assert json.loads(printed.stdout)["Environment"]["Arn"] == found["Arn"], "the CLI and boto3 see one record"


def test_errors_are_mwaas(mwaa: Any, s3: Any, both: list[Environment]) -> None:
    taken = both[0].name
    assert error_of(mwaa.get_environment, Name="nosuchenvironment") == (
        404,
        "ResourceNotFoundException",
        "Environment nosuchenvironment not found.",
    )
    bucket = new_bucket(s3)
    assert error_of(mwaa.create_environment, **create_input(taken, bucket)) == (
        400,
        "ValidationException",
        f"Environment {taken} already exists.",
    )
    assert error_of(mwaa.create_environment, **create_input("itnobucket", "mwaa-local-api-missing")) == (
        400,
        "ValidationException",
        "Invalid request provided: Provided bucket mwaa-local-api-missing does not exist.",
    )
    unversioned = new_bucket(s3, versioned=False)
    assert error_of(mwaa.create_environment, **create_input("itunversioned", unversioned)) == (
        400,
        "ValidationException",
        f"Invalid request provided: Provided bucket does not have versioning enabled for s3 bucket {unversioned}.",
    )
    workers = create_input("itworkers", bucket, MinWorkers=5, MaxWorkers=2)
    assert error_of(mwaa.create_environment, **workers) == (
        400,
        "ValidationException",
        "1 validation error detected: MinWorkers (5) must not exceed MaxWorkers (2).",
    )
    unknown_arn = "arn:aws:airflow:us-east-1:000000000000:environment/nosuchenvironment"
    assert error_of(mwaa.tag_resource, ResourceArn=unknown_arn, Tags={"a": "b"})[:2] == (
        404,
        "ResourceNotFoundException",
    )
    assert error_of(mwaa.list_environments, NextToken="garbage")[:2] == (400, "ValidationException")
    names = mwaa.list_environments()["Environments"]
    assert not {"itnobucket", "itunversioned", "itworkers"} & set(names), "nothing refused was kept"


VIEWER_KEY, VIEWER_SECRET = "AKIAVIEWER0000000001", secrets.token_urlsafe(24)
VIEWER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["airflow:GetEnvironment", "airflow:ListEnvironments"], "Resource": "*"},
        {"Effect": "Allow", "Action": "airflow:CreateWebLoginToken", "Resource": "arn:aws:airflow:*:*:role/*/Viewer"},
    ],
}


def test_unsigned_and_wrongly_signed_requests_are_refused(exports: dict[str, str], mwaa: Any) -> None:
    endpoint = exports["AWS_ENDPOINT_URL_MWAA"]
    unsigned = subprocess.run(
        ["curl", "-sS", "-i", f"{endpoint}/environments"], capture_output=True, text=True, timeout=60, check=True
    )
    head, _, body = unsigned.stdout.partition("\n\n")  # text mode: curl's CRLFs read as newlines
    assert head.startswith("HTTP/1.1 403"), unsigned.stdout
    headers = dict(line.lower().split(": ", 1) for line in head.splitlines()[1:])
    assert headers["x-amzn-errortype"] == "accessdeniedexception", head
    assert "Missing Authentication Token" in json.loads(body)["Message"]

    wrong_secret = {**exports, "AWS_SECRET_ACCESS_KEY": "not-the-secret"}
    refused = aws(wrong_secret, "list-environments")
    assert refused.returncode in (254, 255), refused.stdout  # the aws CLI v2 and v1 exit codes of a service error
    assert "(AccessDeniedException)" in refused.stderr and "signature we calculated does not match" in refused.stderr
    stranger = boto3.session.Session(aws_access_key_id="AKIANOBODY0000000000", aws_secret_access_key="x" * 20)
    assert error_of(stranger.client("mwaa").list_environments) == (
        403,
        "AccessDeniedException",
        "The security token included in the request is invalid.",
    )
    assert mwaa.list_environments()["Environments"], "the exported keys are the admin's"


def test_a_viewer_from_the_principals_file_reads_and_is_refused_the_rest(
    exports: dict[str, str], mwaa: Any, s3: Any, both: list[Environment]
) -> None:
    principals = Path(os.environ[HOME_VARIABLE]) / "principals.json"
    entry = {"Name": "viewer", "AccessKeyId": VIEWER_KEY, "SecretAccessKey": VIEWER_SECRET, "Policy": VIEWER_POLICY}
    principals.write_text(json.dumps({"Principals": [entry]}))
    try:
        session = boto3.session.Session(aws_access_key_id=VIEWER_KEY, aws_secret_access_key=VIEWER_SECRET)
        viewer = session.client("mwaa")
        assert {environment.name for environment in both} <= set(viewer.list_environments()["Environments"])
        assert viewer.get_environment(Name=both[0].name)["Environment"]["Status"] == "AVAILABLE"
        status, code, message = error_of(viewer.create_environment, **create_input("itviewer", new_bucket(s3)))
        assert (status, code) == (403, "AccessDeniedException")
        assert message == (
            "User: arn:aws:iam::000000000000:user/viewer is not authorized to perform: airflow:CreateEnvironment on "
            "resource: arn:aws:airflow:us-east-1:000000000000:environment/itviewer because no identity-based "
            "policy allows the airflow:CreateEnvironment action"
        )
        status, code, message = error_of(viewer.invoke_rest_api, Name=both[0].name, Path="/dags", Method="GET")
        assert (status, code) == (403, "AccessDeniedException") and "Airflow role" in message, message
        assert error_of(viewer.delete_environment, Name=both[0].name)[1] == "AccessDeniedException"
        assert "itviewer" not in mwaa.list_environments()["Environments"], "nothing refused was created"
        assert mwaa.get_environment(Name=both[0].name)["Environment"]["Status"] == "AVAILABLE"

        principals.write_text("{broken")
        status, code, message = error_of(viewer.list_environments)
        assert (status, code) == (403, "AccessDeniedException") and "principals.json is not readable JSON" in message
        assert mwaa.list_environments()["Environments"], "a broken principals file never locks the admin out"
    finally:
        principals.unlink(missing_ok=True)


def test_create_update_roll_back_and_delete(
    mwaa: Any, s3: Any, workspace: Path, cleanup: list[str], both: list[Environment]
) -> None:
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
    # The second mirrors the 3.3.1 environment `up` made, as `aws mwaa get-environment` printed it.
    template = mwaa.get_environment(Name=both[1].name)["Environment"]
    mirrored_bucket = f"arn:aws:s3:::{new_bucket(s3)}"
    source = workspace / "get-environment.json"
    source.write_text(
        json.dumps(
            {"Environment": {**template, "SourceBucketArn": mirrored_bucket, "EnvironmentClass": "mw1.large"}},
            default=str,
        )
    )
    with ThreadPoolExecutor(2) as pool:  # two creates at once both succeed
        boto3_create = pool.submit(lambda: mwaa.create_environment(**request)["Arn"])
        cli_create = pool.submit(cli, workspace, "create", "--from", str(source), "--name", second, "--no-wait")
        assert boto3_create.result() == f"arn:aws:airflow:us-east-1:000000000000:environment/{first}"
        created = cli_create.result()
    assert created.returncode == 0, created.stdout + created.stderr
    assert f"CreateEnvironment accepted: arn:aws:airflow:us-east-1:000000000000:environment/{second}" in created.stdout
    for name in (first, second):
        creating = mwaa.get_environment(Name=name)["Environment"]
        assert (creating["Status"], creating["LastUpdate"]["Status"]) == ("CREATING", "PENDING"), diagnosis(name)
    mirrored, seen = wait_settled(mwaa, second)
    assert (mirrored["Status"], mirrored["LastUpdate"]["Status"]) == ("AVAILABLE", "SUCCESS"), (seen, mirrored)
    assert (mirrored["EnvironmentClass"], mirrored["SourceBucketArn"]) == ("mw1.large", mirrored_bucket)
    assert same_settings(mirrored, second) == same_settings(template, both[1].name), (
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
    assert {first, second, *(environment.name for environment in both)} <= set(listed)
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


def aws(exports: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("aws")), "mwaa", *arguments, "--output", "json"]
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, **exports}, timeout=120)


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


def test_a_create_cut_short_by_a_control_plane_restart_settles(
    mwaa: Any, s3: Any, cleanup: list[str], both: list[Environment]
) -> None:
    name = f"itcut{secrets.token_hex(2)}"
    cleanup.append(name)
    mwaa.create_environment(**create_input(name, new_bucket(s3), AirflowVersion="2.10.3"))
    state = Context.load().state(name)
    wait_for(lambda: "starting" in (state.directory / "status.json").read_text(), 300, f"{name} starting")
    (control_plane,) = [c.name for c in Context.load().region().project.containers() if c.service == "control-plane"]
    subprocess.run(["docker", "restart", "--time", "1", control_plane], check=True, capture_output=True)
    settled = wait_for(lambda: wait_settled(mwaa, name, 120)[0], 180, f"{name} settled after the restart")
    assert settled["Status"] == "CREATE_FAILED", settled
    assert settled["LastUpdate"]["Error"]["ErrorCode"] == "INTERRUPTED"
    assert "interrupted by a restart of the mwaa-local control plane" in settled["LastUpdate"]["Error"]["ErrorMessage"]
    names = mwaa.list_environments()["Environments"]
    assert {environment.name for environment in both} <= set(names), "records survive the restart"
