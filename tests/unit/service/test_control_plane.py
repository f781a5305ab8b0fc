"""The control plane's jobs over a provisioner that can fail, and its durable file store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator.model import status
from emulator.model.errors import EnvironmentNotFoundError, ImageBuildError, StartTimeoutError
from emulator.model.record import EnvironmentRecord, build_record
from emulator.service.provider.entries import Entry
from emulator.service.provider.jobs import HeldJobs
from emulator.service.provider.plane import ControlPlane, NullProvisioner, Report
from emulator.service.provider.store import FileStore, MemoryStore

pytestmark = pytest.mark.unit

REQUEST = {
    "Name": "team",
    "ExecutionRoleArn": "arn:aws:iam::000000000000:role/r",
    "SourceBucketArn": "arn:aws:s3:::bucket-one",
    "DagS3Path": "dags",
    "NetworkConfiguration": {"SubnetIds": ["subnet-a", "subnet-b"], "SecurityGroupIds": ["sg-a"]},
    "AirflowVersion": "2.10.3",
}


class Failing(NullProvisioner):
    """Fails `apply` for the records `fails` picks, recording every record it applied."""

    def __init__(self) -> None:
        super().__init__()
        self.applied: list[dict[str, str]] = []
        self.failures: list[Exception] = []
        self.removed: list[str] = []

    def apply(self, record: EnvironmentRecord, report: Report) -> None:
        report("starting: scheduler (starting)")
        self.applied.append(record.configuration_options)
        if self.failures:
            raise self.failures.pop(0)

    def remove(self, name: str, report: Report) -> None:
        self.removed.append(name)


def plane(store: MemoryStore | FileStore | None = None) -> tuple[ControlPlane, HeldJobs, Failing]:
    jobs, provisioner = HeldJobs(), Failing()
    return ControlPlane(store or MemoryStore(), jobs, provisioner, clock=lambda: 1700000000.0), jobs, provisioner


def environment(control: ControlPlane) -> dict[str, object]:
    return control.get_environment({"Name": "team"})["Environment"]  # type: ignore[no-any-return]


def test_a_failed_create_ends_create_failed_with_the_error_and_its_code() -> None:
    control, jobs, provisioner = plane()
    provisioner.failures.append(ImageBuildError("Building the Airflow image failed: step 3", hint="See build.log."))
    control.create_environment(REQUEST)
    jobs.run_pending()
    found = environment(control)
    assert found["Status"] == "CREATE_FAILED"
    assert found["LastUpdate"] == {
        "Status": "FAILED",
        "CreatedAt": 1700000000.0,
        "Error": {
            "ErrorCode": "ImageBuildError",
            "ErrorMessage": "Building the Airflow image failed: step 3 See build.log.",
        },
    }


def test_a_failed_update_rolls_back_to_the_previous_configuration() -> None:
    control, jobs, provisioner = plane()
    control.create_environment({**REQUEST, "AirflowConfigurationOptions": {"core.default_task_retries": "2"}})
    jobs.run_pending()
    provisioner.failures.append(StartTimeoutError("scheduler keeps crashing"))
    control.update_environment({"Name": "team", "AirflowConfigurationOptions": {"core.parallelism": "x"}})
    assert environment(control)["Status"] == "UPDATING"
    jobs.run_pending()
    found = environment(control)
    assert found["Status"] == "UPDATE_FAILED"
    assert found["LastUpdate"]["Error"] == {
        "ErrorCode": "StartTimeoutError",
        "ErrorMessage": "scheduler keeps crashing",
    }
    assert found["AirflowConfigurationOptions"] == {"core.default_task_retries": "2"}, "the record is the old one"
    assert provisioner.applied[-1] == {"core.default_task_retries": "2"}, "the old configuration runs again"
    control.update_environment({"Name": "team", "MaxWorkers": 4})
    jobs.run_pending()
    assert environment(control)["Status"] == "AVAILABLE", "an UPDATE_FAILED environment can be updated"


def test_a_rollback_that_fails_too_leaves_the_environment_unavailable() -> None:
    control, jobs, provisioner = plane()
    control.create_environment(REQUEST)
    jobs.run_pending()
    provisioner.failures += [StartTimeoutError("new one broken"), StartTimeoutError("old one broken")]
    control.update_environment({"Name": "team", "MaxWorkers": 4})
    jobs.run_pending()
    found = environment(control)
    assert found["Status"] == "UNAVAILABLE"
    assert found["LastUpdate"]["Error"]["ErrorMessage"] == "new one broken The rollback failed too: old one broken"


def test_a_long_failure_keeps_what_failed_and_its_last_words() -> None:
    control, jobs, provisioner = plane()
    provisioner.failures.append(StartTimeoutError("Starting failed: worker" + " x" * 2000 + " the last line"))
    control.create_environment(REQUEST)
    jobs.run_pending()
    message = environment(control)["LastUpdate"]["Error"]["ErrorMessage"]
    assert len(message) == 1024 and message.startswith("Starting failed: worker") and message.endswith("the last line")


def test_the_file_store_keeps_records_across_restarts(tmp_path: Path) -> None:
    control, _jobs, _provisioner = plane(FileStore(tmp_path))
    control.create_environment(REQUEST)
    saved = json.loads((tmp_path / "environments" / "team" / "status.json").read_text())
    assert saved["Lifecycle"]["Status"] == "CREATING" and saved["Progress"] == "queued"
    restarted, _restarted_jobs, _ = plane(FileStore(tmp_path))
    restarted.recover()
    found = environment(restarted)
    assert found["Status"] == "CREATE_FAILED"
    assert found["LastUpdate"]["Error"]["ErrorCode"] == "INTERRUPTED"
    assert "interrupted by a restart of the mwaa-local control plane" in found["LastUpdate"]["Error"]["ErrorMessage"]


def test_an_update_cut_short_by_a_restart_rolls_back(tmp_path: Path) -> None:
    control, jobs, _ = plane(FileStore(tmp_path))
    control.create_environment({**REQUEST, "MaxWorkers": 3})
    jobs.run_pending()
    control.update_environment({"Name": "team", "MaxWorkers": 7})
    restarted, restarted_jobs, provisioner = plane(FileStore(tmp_path))
    restarted.recover()
    assert environment(restarted)["Status"] == "ROLLING_BACK"
    restarted_jobs.run_pending()
    found = environment(restarted)
    assert (found["Status"], found["MaxWorkers"]) == ("UPDATE_FAILED", 3)
    assert found["LastUpdate"]["Error"]["ErrorCode"] == "INTERRUPTED"
    assert len(provisioner.applied) == 1, "the previous configuration was applied again"


def test_a_delete_cut_short_is_finished_after_a_restart(tmp_path: Path) -> None:
    control, jobs, _ = plane(FileStore(tmp_path))
    control.create_environment(REQUEST)
    jobs.run_pending()
    control.delete_environment({"Name": "team"})
    restarted, restarted_jobs, provisioner = plane(FileStore(tmp_path))
    restarted.recover()
    restarted_jobs.run_pending()
    assert provisioner.removed == ["team"]
    with pytest.raises(EnvironmentNotFoundError):
        environment(restarted)
    assert not (tmp_path / "environments" / "team").exists()


def test_a_record_saved_before_the_control_plane_reads_as_available(tmp_path: Path) -> None:
    record = build_record(REQUEST)
    folder = tmp_path / "environments" / "team"
    folder.mkdir(parents=True)
    (folder / "environment.json").write_text(record.to_json())
    entry = FileStore(tmp_path).load("team")
    assert isinstance(entry, Entry) and entry.lifecycle.status == status.AVAILABLE
    assert entry.lifecycle.last_update.status == status.SUCCESS
