import json
from pathlib import Path

import pytest

from emulator.model.errors import EnvironmentConfigError
from emulator.model.record import build_record, read_workspace_file


def test_defaults_follow_mwaa() -> None:
    record = build_record({})
    fields = record.fields
    assert record.name == "local"
    assert fields["AirflowVersion"] == "3.3.1"
    assert fields["EnvironmentClass"] == "mw1.small"
    assert (fields["MinWorkers"], fields["MaxWorkers"], fields["Schedulers"]) == (1, 10, 2)
    assert (fields["MinWebservers"], fields["MaxWebservers"]) == (2, 5)
    assert fields["WebserverAccessMode"] == "PRIVATE_ONLY"
    assert fields["DagS3Path"] == "dags"
    assert fields["LoggingConfiguration"]["TaskLogs"] == {"Enabled": True, "LogLevel": "INFO"}
    assert fields["LoggingConfiguration"]["SchedulerLogs"] == {"Enabled": False, "LogLevel": "INFO"}
    assert record.bucket == "mwaa-local"


def test_micro_class_defaults_to_one_of_everything() -> None:
    fields = build_record({"EnvironmentClass": "mw1.micro"}).fields
    assert (fields["Schedulers"], fields["MaxWorkers"], fields["MinWebservers"], fields["MaxWebservers"]) == (
        1,
        1,
        1,
        1,
    )
    assert build_record({"EnvironmentClass": "mw1.micro"}).environment_class.worker_autoscale == "3,3"


def test_given_members_win_over_defaults() -> None:
    record = build_record({"Name": "team-a", "AirflowVersion": "2.10.3", "MinWorkers": 2, "Schedulers": 3})
    assert (record.name, record.airflow_version.version, record.min_workers, record.schedulers) == (
        "team-a",
        "2.10.3",
        2,
        3,
    )


def errors_of(given: dict) -> str:
    with pytest.raises(EnvironmentConfigError) as caught:
        build_record(given)
    return caught.value.message


def test_shape_violations_use_the_aws_validation_wording() -> None:
    message = errors_of({"Name": "1bad"})
    assert message == (
        "1 validation error detected: Value '1bad' at 'name' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z][0-9a-zA-Z-_]*"
    )


def test_several_violations_are_reported_together() -> None:
    message = errors_of({"Schedulers": 6, "WebserverAccessMode": "OPEN", "MinWorkers": 0})
    assert message.startswith("3 validation errors detected: ")
    assert (
        "Value '6' at 'schedulers' failed to satisfy constraint: Member must have value less than or equal to 5"
        in message
    )
    assert "at 'webserverAccessMode' failed to satisfy constraint: Member must satisfy enum value set" in message
    assert (
        "Value '0' at 'minWorkers' failed to satisfy constraint: Member must have value greater than or equal to 1"
        in message
    )


def test_unknown_members_are_named() -> None:
    assert "Unknown member 'MinWorker'" in errors_of({"MinWorker": 2})


def test_wrong_types_are_named() -> None:
    assert "Value '2' at 'maxWorkers' failed to satisfy constraint: Member must be an integer" in errors_of(
        {"MaxWorkers": "2"}
    )


def test_nested_required_members_are_checked() -> None:
    message = errors_of({"LoggingConfiguration": {"TaskLogs": {"Enabled": True}}})
    assert (
        "Value null at 'loggingConfiguration.taskLogs.logLevel' failed to satisfy constraint: Member must not be null"
        in message
    )


def test_mwaa_rules_beyond_the_shape() -> None:
    assert "Airflow 2.4.3 is not a version Amazon MWAA runs" in errors_of({"AirflowVersion": "2.4.3"})
    assert "EnvironmentClass mw2.small is not valid" in errors_of({"EnvironmentClass": "mw2.small"})
    assert "MinWorkers (5) must not exceed MaxWorkers (2)" in errors_of({"MinWorkers": 5, "MaxWorkers": 2})
    assert "Schedulers must be between 2 and 5 for mw1.small; got 1" in errors_of({"Schedulers": 1})
    assert "MaxWorkers must be between 1 and 25 for mw1.small; got 30" in errors_of({"MaxWorkers": 30})
    assert "PUBLIC_AND_PRIVATE needs Airflow 3.2 or later" in errors_of(
        {"AirflowVersion": "2.10.3", "WebserverAccessMode": "PUBLIC_AND_PRIVATE"}
    )


def test_configuration_options_must_be_settable() -> None:
    assert "'core.multi_team' cannot be set on Amazon MWAA" in errors_of(
        {"AirflowConfigurationOptions": {"core.multi_team": "True"}}
    )
    assert "must be written as section.option" in errors_of({"AirflowConfigurationOptions": {"parallelism": "4"}})
    assert "at 'airflowConfigurationOptions.key'" in errors_of({"AirflowConfigurationOptions": {"Core.X": "1"}})


def test_workspace_file_errors_point_at_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "environment.json"
    assert read_workspace_file(path) == {}
    path.write_text('{"AirflowVersion": "2.10.3",}')
    with pytest.raises(EnvironmentConfigError, match=r"environment.json is not valid JSON: .* line 1, column 29"):
        read_workspace_file(path)
    path.write_text("[1]")
    with pytest.raises(EnvironmentConfigError, match="must hold a JSON object"):
        read_workspace_file(path)
    path.write_text(json.dumps({"AirflowVersion": "2.10.3"}))
    assert read_workspace_file(path) == {"AirflowVersion": "2.10.3"}


def test_null_members_mean_not_given() -> None:
    assert build_record({"MaxWorkers": None, "Schedulers": None}).fields["MaxWorkers"] == 10


def test_bucket_names_follow_s3_rules() -> None:
    for bad in ("ab", "a..b", "-abc", "abc-", "192.168.0.1"):
        assert f"names '{bad}', which is not a valid S3 bucket name" in errors_of(
            {"SourceBucketArn": f"arn:aws:s3:::{bad}"}
        )
    assert build_record({"SourceBucketArn": "arn:aws:s3:::my.team-bucket1"}).bucket == "my.team-bucket1"


def test_dag_folder_must_be_a_folder() -> None:
    assert "DagS3Path must name a folder in the bucket" in errors_of({"DagS3Path": "/"})
    assert "DagS3Path must not contain quotes" in errors_of({"DagS3Path": "it's"})


def test_worker_autoscale_must_be_two_equal_whole_numbers() -> None:
    for good in ("5,5", "1,1", "20,20"):
        record = build_record({"AirflowConfigurationOptions": {"celery.worker_autoscale": good}})
        assert record.configuration_options == {"celery.worker_autoscale": good}
    assert errors_of({"AirflowConfigurationOptions": {"celery.worker_autoscale": "8,2"}}) == (
        "1 validation error detected: Airflow configuration option 'celery.worker_autoscale' must be two equal "
        "whole numbers max,min (e.g. 5,5); got '8,2'."
    )
    for bad in ("2,8", "5", "0,0", "a,b", "5,5,5", "-5,-5", "5.0,5.0", " 5,5", "5, 5", "5,5 "):
        message = errors_of({"AirflowConfigurationOptions": {"celery.worker_autoscale": bad}})
        assert message == (
            "1 validation error detected: Airflow configuration option 'celery.worker_autoscale' must be two "
            f"equal whole numbers max,min (e.g. 5,5); got '{bad}'."
        ), bad
