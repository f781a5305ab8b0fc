"""Which record `up` starts, deploy's guard, and name checks (no Docker involved)."""

import contextlib
import json
import socket
from pathlib import Path

import pytest

from emulator.cli.lifecycle import Context, environment_name, up_record
from emulator.docker import ports
from emulator.model.errors import EnvironmentConfigError, MwaaLocalError
from emulator.model.record import build_record
from emulator.s3.deploy import deploy_workspace
from emulator.state.home import LocalSettings, with_free_ports
from emulator.state.settings import PROJECT_ROOT, Paths


@pytest.fixture
def context(tmp_path: Path) -> Context:
    return Context(Paths(PROJECT_ROOT), tmp_path / "home")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "workspace"
    (folder / "dags").mkdir(parents=True)
    return folder


def test_workspace_file_describes_its_environment(context: Context, workspace: Path) -> None:
    (workspace / "environment.json").write_text(json.dumps({"Name": "team", "EnvironmentClass": "mw1.medium"}))
    record, source = up_record(context, workspace)
    assert (record.name, record.fields["EnvironmentClass"]) == ("team", "mw1.medium")
    assert source.endswith("environment.json")


def test_a_saved_environment_keeps_its_record_when_started_from_elsewhere(context: Context, workspace: Path) -> None:
    saved = build_record({"Name": "analytics", "AirflowVersion": "2.10.3", "DagS3Path": "team/dags"})
    context.state("analytics").save_record(saved)
    record, source = up_record(context, workspace, name="analytics")
    assert record.fields == saved.fields
    assert source == "the record saved at its last up"
    upgraded, _ = up_record(context, workspace, name="analytics", airflow_version="2.10.1")
    assert upgraded.fields["AirflowVersion"] == "2.10.1" and upgraded.dag_s3_path == "team/dags"


def test_a_new_environment_gets_mwaa_defaults_and_a_bucket_of_its_own(context: Context, workspace: Path) -> None:
    record, source = up_record(context, workspace, name="Team_B")
    assert source == "MWAA's defaults"
    assert record.bucket == "mwaa-local-team-b--8065f58012", "a hash tells Team_B from team-b (mwaa-local-team-b)"
    assert up_record(context, workspace)[0].bucket == "mwaa-local", "the default environment keeps the default bucket"


def test_names_are_checked_for_every_command(workspace: Path) -> None:
    with pytest.raises(EnvironmentConfigError, match="at 'name' failed to satisfy constraint"):
        environment_name(workspace, "../escape")
    assert environment_name(workspace, None) == "local"


def test_deploy_refuses_a_workspace_without_dags(tmp_path: Path) -> None:
    with pytest.raises(MwaaLocalError, match="has no dags/ folder; deploying it would delete every DAG"):
        deploy_workspace(None, build_record({}), tmp_path)  # type: ignore[arg-type]


def test_a_new_environment_gets_ports_no_other_environment_has(context: Context) -> None:
    first = context.state("first")
    first.directory.mkdir(parents=True)  # an `up` under way: its settings are saved, its record not yet
    first.save_local_settings(LocalSettings(web_port=8080, https_port=8443))
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with contextlib.suppress(OSError):  # already taken (an environment of this machine) is as good
            holder.bind(("127.0.0.1", 8081))
            holder.listen()
        chosen = with_free_ports(LocalSettings(), context.home, "second", ports.in_use, web_port_given=False)
    assert chosen.web_port >= 8082, "8080 is first's, 8081 is taken"
    assert chosen.https_port is not None and chosen.https_port >= 8444, "8443 is first's"
    assert not ports.in_use(chosen.web_port) and not ports.in_use(chosen.https_port)


def test_an_environment_saved_before_the_edge_keeps_its_web_port_and_gains_an_https_port(context: Context) -> None:
    older = LocalSettings(web_port=8090)
    chosen = with_free_ports(older, context.home, "older", lambda port: False, web_port_given=True)
    assert (chosen.web_port, chosen.https_port) == (8090, 8443)
