"""The CLI against a running environment: status, logs, deploy, and what `up` refuses or keeps."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import socket
from pathlib import Path

from emulator.cli import lifecycle
from emulator.cli.lifecycle import Context
from emulator.service.autoscaler import journal
from emulator.state.home import RegionState
from emulator.state.settings import state_home
from tests.support import Environment, cli, delete_bucket, state_exists, wait_for


def status_rows(output: str) -> list[list[str]]:
    """The table rows `status` prints, as cells."""
    return [[cell.strip() for cell in line.strip("│ ").split("│")] for line in output.splitlines() if "│" in line]


def test_status_lists_every_service_and_its_exact_health(environment: Environment) -> None:
    result = cli(environment.workspace, "status")
    assert result.returncode == 0, result.stderr
    assert f"environment {environment.name}" in result.stdout
    section = result.stdout.split(f"environment {environment.name}", 1)[1].split("environment ", 1)[0]
    rows = status_rows(section)
    by_service: dict[str, list[list[str]]] = {}
    for row in rows:
        if len(row) == 5 and row[0] != "service":
            by_service.setdefault(row[0], []).append(row)
    for service in ("postgres", "redis", "sync", "scheduler", "worker", environment.web_service):
        assert by_service.get(service), f"{service} missing from status:\n{section}"
        for _, _, state, health, _ in by_service[service]:
            assert (state, health) == ("running", "healthy"), f"{service}: {state} {health}"
    # One container for MWAA's scheduler tasks, healthy only while both of mw1.small's
    # schedulers (and their triggerers) heartbeat (emulator/container/runtime/health.py).
    assert len(by_service["scheduler"]) == 1, by_service["scheduler"]
    s3_port = Context.load().region().s3_port
    assert f"127.0.0.1:{s3_port}->9000" in result.stdout.replace(" ", "")


def snapshot(home: Path) -> dict[str, tuple[float, str]]:
    """Every file of the state home, but what the control plane writes every few seconds
    whatever the CLI does: the autoscaler's readings and the AWS services' state (component
    logs and metrics arrive all the time)."""
    aws_services = RegionState(home).aws_services_directory
    return {
        str(path.relative_to(home)): (path.stat().st_mtime, hashlib.sha256(path.read_bytes()).hexdigest())
        for path in sorted(home.rglob("*"))
        if path.is_file()
        and not path.name.startswith((journal.SNAPSHOT_FILE, ".autoscaler-", journal.LOG_FILE))
        and aws_services not in path.parents
    }


def test_reading_commands_write_nothing_and_ignore_build_settings(environment: Environment) -> None:
    home = state_home()
    before = snapshot(home)
    broken_ca = {**os.environ, "MWAA_LOCAL_CA_BUNDLE": "/nonexistent/ca.pem"}
    for arguments in (("status",), ("logs", "sync", "--tail", "5", "--name", environment.name), ("env",)):
        result = cli(environment.workspace, *arguments, env=broken_ca)
        assert result.returncode == 0, f"{arguments}: {result.stderr}"
    assert snapshot(home) == before, "status, logs and env must not write to the state home"


def test_logs_of_the_sync_show_object_versions(environment: Environment) -> None:
    key = f"it_logged_{secrets.token_hex(3)}.py"
    environment.add_dag(key, "# a file whose sync is logged\n")
    output = environment.deploy()
    version = re.search(rf"uploaded\s+s3://\S+/dags/{key}\s+version (\S+)", output)
    assert version, output

    def logged() -> bool:
        result = environment.cli("logs", "sync", "--tail", "all")
        return result.returncode == 0 and version.group(1) in result.stdout and key in result.stdout

    wait_for(logged, 30, "the sync log line with the object's version")
    result = environment.cli("logs", "sync", "--tail", "all")
    assert f"sync: mirroring s3://{environment.bucket}/dags" in result.stdout


def test_logs_of_an_unknown_service_lists_the_real_ones(environment: Environment) -> None:
    result = environment.cli("logs", "webserverr")
    assert result.returncode == 1
    assert f"Environment {environment.name} has no service 'webserverr'." in result.stderr
    assert "scheduler" in result.stderr and "sync" in result.stderr


def test_deploy_keeps_unchanged_objects_and_their_versions(environment: Environment) -> None:
    environment.add_dag("it_stable.py", "# unchanged between deploys\n")
    environment.deploy()
    first = environment.s3().stat_object(environment.bucket, "dags/it_stable.py").version_id
    output = environment.deploy()
    assert "dags/it_stable.py" not in output.replace("unchanged", ""), "an unchanged file is not uploaded again"
    assert environment.s3().stat_object(environment.bucket, "dags/it_stable.py").version_id == first
    versions = [
        item.version_id
        for item in environment.s3().list_objects(environment.bucket, prefix="dags/it_stable.py", include_version=True)
    ]
    assert versions == [first], "no new object version"


def test_up_refuses_a_taken_web_port_and_leaves_the_environment_running(environment: Environment) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        result = environment.cli("up", "--web-port", str(taken))
    assert result.returncode == 4
    assert f"Port {taken} (the Airflow UI) is already in use on this machine." in result.stderr
    assert "mwaa-local up --web-port N" in result.stderr
    running = [c for c in environment.containers() if c.service != "init"]
    assert running and all(c.ready for c in running)


def test_up_refuses_a_major_version_change_and_a_case_clash(environment: Environment) -> None:
    other = "2.10.3" if environment.family == 3 else "3.3.1"
    result = environment.cli("up", "--airflow-version", other)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"Environment {environment.name} runs Airflow {environment.version}; MWAA cannot change it to {other}" in (
        result.stderr
    )
    clash = cli(environment.workspace, "up", "--name", environment.name.upper())
    assert clash.returncode == 2, clash.stdout + clash.stderr
    assert f"would share its Docker project with environment {environment.name}" in clash.stderr
    assert Context.load().state(environment.name).load_record().airflow_version.version == environment.version


def test_up_keeps_the_sync_interval_and_timings_per_environment(environment: Environment) -> None:
    def sync_interval() -> str:
        return environment.exec("sync", "printenv", "MWAA_LOCAL_SYNC_INTERVAL").strip()

    try:
        assert environment.cli("up", "--sync-interval", "2").returncode == 0
        assert sync_interval() == "2"
        kept = environment.cli("up")
        assert kept.returncode == 0, kept.stderr
        assert sync_interval() == "2", "a later up keeps the environment's sync interval"
        assert "synced every 2s, dev timings" in kept.stdout
    finally:
        reset = environment.cli("up", "--timings", "dev")
        assert reset.returncode == 0, reset.stderr
    assert sync_interval() == "0.5", "--timings sets the profile's interval again"


def test_up_deploy_uploads_the_workspace_first(environment: Environment) -> None:
    key = f"it_up_deploy_{secrets.token_hex(3)}.py"
    environment.add_dag(key, "# uploaded by up --deploy\n")
    result = environment.cli("up", "--deploy")
    assert result.returncode == 0, result.stderr
    assert re.search(rf"uploaded\s+s3://{environment.bucket}/dags/{key}\s+version \S+", result.stdout), result.stdout
    wait_for(lambda: key in environment.dags_folder(), 30, f"{key} in the dags folder")


def test_up_build_rebuilds_a_current_image(both: list[Environment]) -> None:
    environment = both[1]  # one version: the build path does not depend on it, and a build is slow
    log = Context.load().state(environment.name).directory / "build.log"
    before = log.stat().st_mtime if log.exists() else 0.0
    result = environment.cli("up", "--build")
    assert result.returncode == 0, result.stdout + result.stderr
    assert log.stat().st_mtime > before, "--build ran a build"
    assert f"mwaa-local/airflow:{environment.version}" in log.read_text()


def test_a_start_timeout_exits_6_and_leaves_the_stack_running(environment: Environment) -> None:
    result = environment.cli("up", "--timeout", "1")
    assert result.returncode == 6, result.stdout + result.stderr
    assert "not ready after 1s. Still starting:" in result.stderr
    assert "The stack is left running" in result.stderr
    assert "mwaa-local logs" in result.stderr
    # The stack was not stopped: it finishes starting on its own.
    wait_for(
        lambda: all(c.ready or (c.service == "init" and c.exit_code == 0) for c in environment.containers()),
        180,
        "every service ready again",
    )
    # ... and the control plane's job for it ends (AVAILABLE): nothing of it writes to the state
    # home under the tests after this one.
    wait_for(lambda: environment.described()["Status"] == "AVAILABLE", 180, f"{environment.name} AVAILABLE again")


def test_a_failed_image_build_exits_5_with_the_failing_step(both: list[Environment]) -> None:
    environment = both[0]  # one version: a build fails the same way for every version
    name = f"itbuild{secrets.token_hex(2)}"
    broken_base = {**os.environ, "MWAA_LOCAL_PYTHON_IMAGE": "mwaa-local-tests/no-such-python:0"}
    try:
        result = cli(
            environment.workspace, "up", "--name", name, "--airflow-version", environment.version, env=broken_base
        )
        assert result.returncode == 5, result.stdout + result.stderr
        assert "Building the Airflow image failed" in result.stderr
        assert "no-such-python" in result.stderr
        assert "The whole build log is in" in result.stderr
    finally:
        removed = cli(environment.workspace, "down", "--volumes", "--name", name)
        assert removed.returncode == 0, removed.stderr
    assert environment.region_running(), "the other environments keep the region"


def test_deploy_for_an_environment_that_does_not_exist_uploads_and_says_up_creates_it(
    both: list[Environment], tmp_path: Path
) -> None:
    name, bucket = f"itnoenv{secrets.token_hex(2)}", f"mwaa-local-noenv-{secrets.token_hex(3)}"
    (tmp_path / "environment.json").write_text(json.dumps({"Name": name, "SourceBucketArn": f"arn:aws:s3:::{bucket}"}))
    (tmp_path / "requirements.txt").write_text("pyjokes==0.6.0\n")
    (tmp_path / "dags").mkdir()
    s3 = both[0].s3()
    try:
        deployed = cli(tmp_path, "deploy")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        printed = " ".join(deployed.stdout.split())  # the console wraps long lines
        assert f"uploaded s3://{bucket}/requirements.txt version" in printed, printed
        assert f"Environment {name} does not exist yet: `mwaa-local up` creates it with these files." in printed
        assert s3.stat_object(bucket, "requirements.txt").version_id, "the file is in the bucket"
        assert lifecycle.api(Context.load()).environment(name) is None, "no environment was created"
        assert not state_exists(name), "nor any local state for it"
    finally:
        if s3.bucket_exists(bucket):
            delete_bucket(s3, bucket)
