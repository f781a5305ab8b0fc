"""The patterns of botocore's MWAA model, compiled as MWAA (Java) reads them."""

import pytest
from botocore.model import Shape

from emulator.model import shapes
from emulator.model.errors import EnvironmentConfigError
from emulator.model.record import build_record

# For every shape of the MWAA model that has a pattern: values MWAA accepts, values it refuses
# (by the pattern; every sample fits the shape's length). A new patterned shape in botocore's
# model fails test_every_patterned_shape_has_samples until it gets samples here.
SAMPLES: dict[str, tuple[list[str], list[str]]] = {
    "AirflowVersion": (["3.3.1", "2.10.3"], ["3.3.1-rc1", "V3"]),
    "CeleryExecutorQueue": (
        ["arn:aws:sqs:us-east-1:123456789012:airflow-celery-abc", "arn:aws-cn:sqs:cn-north-1:123456789012:q"],
        ["arn:aws:sqs:us-east-1:12345:q", "arn:aws:sqs:us-east-1:١٢٣٤٥٦٧٨٩٠١٢:q"],  # Java's \d is ASCII
    ),
    "CloudWatchLogGroupArn": (
        ["arn:aws:logs:us-east-1:123456789012:log-group:airflow-local-Task"],
        ["arn:aws:logs:us-east-1:123456789012:log-group:-x", "arn:aws:logs:us-east-1:123456789012:log-group:é"],
    ),
    "ConfigKey": (["core.default_task_retries", "celery.worker_autoscale"], ["Core.X", "core.", "1core.x"]),
    "ConfigValue": (["5,5", "a b ~"], ["é", "a\tb", "line\nbreak"]),
    "EnvironmentArn": (
        ["arn:aws:airflow:us-east-1:123456789012:environment/local"],
        ["arn:aws:airflow:us-east-1:123456789012:env/local"],
    ),
    "EnvironmentName": (["local", "Team_A-1"], ["1bad", "team.a", "-a"]),
    "ErrorMessage": (["Something failed"], ["\n"]),
    "Hostname": (
        ["vpce-0123.airflow.us-east-1.vpce.amazonaws.com", "localhost"],
        ["-bad.example.com", "a..b", "host_name"],
    ),
    "IamRoleArn": (["arn:aws:iam::000000000000:role/mwaa-local-execution-role"], ["arn:aws:iam::000000000000:user/x"]),
    "IdentityCenterIdentityStoreId": (
        ["d-1234567890", "12345678-1234-1234-1234-123456789012"],
        ["d-12345", "store"],
    ),
    "IdentityCenterStartUrl": (["https://d-1234567890.awsapps.com/start"], ["http://example.com"]),
    "KmsKey": (
        [
            "12345678-1234-1234-1234-123456789abc",
            "alias/my-key",
            "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789abc",
        ],
        ["my-key"],
    ),
    "RelativePath": (["dags", "", "plugins/plugins.zip"], ["dags\nx", "dags\rx"]),  # Java's . stops at \r too
    "S3BucketArn": (["arn:aws:s3:::mwaa-local", "arn:aws:s3:::my.bucket-1"], ["arn:aws:s3:::Bucket_Name"]),
    "SecurityGroupId": (["sg-mwaa-local"], ["group-1", "sg-"]),
    "SubnetId": (["subnet-mwaa-local-a"], ["subnet_a", "subnet-"]),
    "TagKey": (
        ["env", "Team Name", "aws:cloudformation:stack-name", "Équipe", "日本", "a_b.c/d=e+f-g@h"],
        ["a<b", "#"],
    ),
    "TagValue": (["prod-1", "a b", "Équipe 2", "x\u00a0y"], ["a<b", "#", "a*b"]),
    "TeamNameString": (["team-a_1", "abc"], ["-team", "team.a"]),
    "UpdateSource": (["user"], ["\n"]),
    "VpcEndpointServiceName": (
        ["com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"],
        ["com.amazonaws.us-east-1.s3"],
    ),
    "WebserverUrl": (["https://abc.c13.us-east-1.airflow.amazonaws.com"], ["http://x"]),
    "WeeklyMaintenanceWindowStart": (["TUE:03:30", "SUN:00:00"], ["TUE:03:15", "TUE:24:00"]),
}


def patterned_shapes() -> dict[str, Shape]:
    model = shapes.service_model()
    found = {name: model.shape_for(name) for name in model.shape_names}
    return {name: shape for name, shape in found.items() if shape.metadata.get("pattern")}


def test_every_patterned_shape_has_samples() -> None:
    assert sorted(patterned_shapes()) == sorted(SAMPLES), "add samples for new patterned shapes of the MWAA model"


@pytest.mark.parametrize("name", sorted(patterned_shapes()))
def test_every_pattern_of_the_model_compiles(name: str) -> None:
    pattern = patterned_shapes()[name].metadata["pattern"]
    assert shapes.compile_pattern(pattern).pattern == pattern


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_patterns_accept_and_refuse_what_mwaa_does(name: str) -> None:
    shape = patterned_shapes()[name]
    pattern = shape.metadata["pattern"]
    accepted, refused = SAMPLES[name]
    assert accepted and refused
    for value in accepted:
        assert shapes.validate_value(value, shape, "member") == [], value
    for value in refused:
        assert shapes.validate_value(value, shape, "member") == [
            f"Value '{value}' at 'member' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {pattern}"
        ], value


def test_tags_with_letters_digits_spaces_and_hyphens_are_accepted() -> None:
    record = build_record({"Tags": {"env": "prod-1", "Team Name": "a b"}})
    assert record.fields["Tags"] == {"env": "prod-1", "Team Name": "a b"}


@pytest.mark.parametrize("value", ["a<b", "#"])
def test_a_tag_value_with_a_forbidden_character_is_refused_in_aws_words(value: str) -> None:
    with pytest.raises(EnvironmentConfigError) as caught:
        build_record({"Tags": {"env": value}})
    assert caught.value.message == (
        f"1 validation error detected: Value '{value}' at 'tags.env' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: ([\p{L}\p{Z}\p{N}_.:/=+\-@]*)"
    )


def test_a_tag_key_with_a_forbidden_character_is_refused() -> None:
    with pytest.raises(EnvironmentConfigError) as caught:
        build_record({"Tags": {"a<b": "x"}})
    assert caught.value.message == (
        "1 validation error detected: Value 'a<b' at 'tags.key' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: ([\p{L}\p{Z}\p{N}_.:/=+\-@]*)"
    )


def test_an_uncompilable_pattern_is_an_error_not_a_pass() -> None:
    with pytest.raises(shapes.ModelPatternError, match=r"cannot compile the pattern '\[\\\\p\{Nope\}\]'"):
        shapes.compile_pattern(r"[\p{Nope}]")
    broken = Shape("Broken", {"type": "string", "pattern": r"[\p{Nope}]"})
    with pytest.raises(shapes.ModelPatternError):
        shapes.validate_value("anything", broken, "member")
