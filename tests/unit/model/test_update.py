"""UpdateEnvironment as a partial update (PATCH) of the saved record."""

from typing import Any

import pytest

from emulator.model.errors import EnvironmentConfigError
from emulator.model.record import EnvironmentRecord, build_record
from emulator.model.update import apply_update, worker_replacement_strategy

pytestmark = pytest.mark.unit


def saved() -> EnvironmentRecord:
    return build_record(
        {
            "Name": "team-a",
            "AirflowVersion": "2.10.3",
            "MinWorkers": 2,
            "AirflowConfigurationOptions": {"core.default_timezone": "utc", "core.parallelism": "64"},
            "LoggingConfiguration": {"SchedulerLogs": {"Enabled": True, "LogLevel": "WARNING"}},
            "Tags": {"team": "a"},
            "KmsKey": "alias/my-key",
            "Teams": {"red": {"SourceBucketArn": "arn:aws:s3:::red", "DagS3Path": "red/dags"}},
        }
    )


def refused(members: dict[str, Any]) -> str:
    with pytest.raises(EnvironmentConfigError) as caught:
        apply_update(saved(), members)
    assert caught.value.aws_code == "ValidationException"
    return caught.value.message


def test_members_not_given_keep_their_values() -> None:
    before = saved()
    after = apply_update(before, {"MaxWorkers": 4})
    assert after.fields == {**before.fields, "MaxWorkers": 4}


def test_an_empty_update_changes_nothing() -> None:
    assert apply_update(saved(), {}).fields == saved().fields
    assert apply_update(saved(), {"Name": "team-a", "DagS3Path": None}).fields == saved().fields


def test_logging_merges_per_log_type() -> None:
    after = apply_update(
        saved(),
        {
            "LoggingConfiguration": {
                "SchedulerLogs": {"Enabled": True, "LogLevel": "DEBUG"},
                "WorkerLogs": {"Enabled": True, "LogLevel": "INFO"},
            }
        },
    )
    assert after.fields["LoggingConfiguration"] == {
        "DagProcessingLogs": {"Enabled": False, "LogLevel": "INFO"},
        "SchedulerLogs": {"Enabled": True, "LogLevel": "DEBUG"},
        "WebserverLogs": {"Enabled": False, "LogLevel": "INFO"},
        "WorkerLogs": {"Enabled": True, "LogLevel": "INFO"},
        "TaskLogs": {"Enabled": True, "LogLevel": "INFO"},
    }


def test_a_log_type_given_needs_both_its_keys_as_the_model_says() -> None:
    # ModuleLoggingConfigurationInput requires Enabled and LogLevel, so no key is merged alone.
    assert refused({"LoggingConfiguration": {"TaskLogs": {"LogLevel": "ERROR"}}}) == (
        "1 validation error detected: Value null at 'loggingConfiguration.taskLogs.enabled' failed to satisfy "
        "constraint: Member must not be null"
    )


def test_configuration_options_given_replace_the_whole_map() -> None:
    after = apply_update(saved(), {"AirflowConfigurationOptions": {"core.parallelism": "8"}})
    assert after.fields["AirflowConfigurationOptions"] == {"core.parallelism": "8"}
    assert apply_update(saved(), {"AirflowConfigurationOptions": {}}).fields["AirflowConfigurationOptions"] == {}


def test_network_update_changes_security_groups_and_keeps_subnets() -> None:
    after = apply_update(saved(), {"NetworkConfiguration": {"SecurityGroupIds": ["sg-1", "sg-2"]}})
    assert after.fields["NetworkConfiguration"] == {
        "SubnetIds": ["subnet-mwaa-local-a", "subnet-mwaa-local-b"],
        "SecurityGroupIds": ["sg-1", "sg-2"],
    }


def test_subnets_cannot_be_updated() -> None:
    assert refused({"NetworkConfiguration": {"SubnetIds": ["subnet-a", "subnet-b"]}}) == (
        "2 validation errors detected: Unknown member 'networkConfiguration.SubnetIds'. Known members: "
        "SecurityGroupIds; Value null at 'networkConfiguration.securityGroupIds' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_teams_add_update_and_remove() -> None:
    blue = {"SourceBucketArn": "arn:aws:s3:::blue", "DagS3Path": "blue/dags"}
    after = apply_update(saved(), {"Teams": {"AddOrUpdate": {"blue": blue}, "Remove": ["red"]}})
    assert after.fields["Teams"] == {"blue": blue}
    emptied = apply_update(saved(), {"Teams": {"Remove": ["red"]}})
    assert "Teams" not in emptied.fields


def test_removing_an_unknown_team_is_refused() -> None:
    assert refused({"Teams": {"Remove": ["green"]}}) == "Environment team-a has no team green to remove."


@pytest.mark.parametrize("member", ["KmsKey", "Tags", "EndpointManagement"])
def test_create_only_members_are_not_update_members(member: str) -> None:
    assert refused({member: saved().fields.get(member, "SERVICE")}).startswith(
        f"1 validation error detected: Unknown member '{member}'. Known members: Name, ExecutionRoleArn,"
    )


def test_worker_replacement_strategy_is_for_the_update_not_the_record() -> None:
    members = {"WorkerReplacementStrategy": "GRACEFUL", "MinWorkers": 3}
    after = apply_update(saved(), members)
    assert "WorkerReplacementStrategy" not in after.fields
    assert after.min_workers == 3
    assert worker_replacement_strategy(members) == "GRACEFUL"
    assert worker_replacement_strategy({}) is None
    assert refused({"WorkerReplacementStrategy": "NOW"}) == (
        "1 validation error detected: Value 'NOW' at 'workerReplacementStrategy' failed to satisfy constraint: "
        "Member must satisfy enum value set: [FORCED, GRACEFUL]"
    )


def test_model_constraints_are_checked_on_the_given_members() -> None:
    assert refused({"Schedulers": 6, "MaxWorkers": 0}) == (
        "2 validation errors detected: Value '0' at 'maxWorkers' failed to satisfy constraint: Member must have "
        "value greater than or equal to 1; Value '6' at 'schedulers' failed to satisfy constraint: Member must "
        "have value less than or equal to 5"
    )


def test_mwaa_rules_are_checked_on_the_merged_record() -> None:
    # MinWorkers 2 is saved; MaxWorkers 1 alone breaks nothing in the shape.
    assert refused({"MaxWorkers": 1}) == "1 validation error detected: MinWorkers (2) must not exceed MaxWorkers (1)."


def test_a_different_name_is_refused() -> None:
    assert refused({"Name": "team-b"}) == (
        "1 validation error detected: Name team-b does not match the environment being updated, team-a."
    )


def test_minor_version_changes_either_way() -> None:
    assert apply_update(saved(), {"AirflowVersion": "2.11.0"}).fields["AirflowVersion"] == "2.11.0"
    assert apply_update(saved(), {"AirflowVersion": "2.9.2"}).fields["AirflowVersion"] == "2.9.2"


def test_major_version_change_is_refused_as_up_refuses_it() -> None:
    with pytest.raises(EnvironmentConfigError) as caught:
        apply_update(saved(), {"AirflowVersion": "3.3.1"})
    assert caught.value.message == (
        "Environment team-a runs Airflow 2.10.3; MWAA cannot change it to 3.3.1 "
        "(updates stay within one major version)."
    )


def test_an_unsupported_version_is_refused() -> None:
    assert "Airflow 2.4.3 is not a version Amazon MWAA runs." in refused({"AirflowVersion": "2.4.3"})


def test_the_saved_record_is_not_changed() -> None:
    before = saved()
    snapshot = repr(before.fields)
    apply_update(
        before,
        {"LoggingConfiguration": {"TaskLogs": {"Enabled": False, "LogLevel": "ERROR"}}, "Teams": {"Remove": ["red"]}},
    )
    assert repr(before.fields) == snapshot
