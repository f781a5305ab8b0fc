"""The execution-role stand-in: what boto3 in a container reads, and `--aws-endpoint`."""

import os
from pathlib import Path

import botocore.session
import pytest

from emulator.model.aws_access import endpoint_variable, parse_endpoints, task_variables
from emulator.model.errors import EnvironmentConfigError

LOCALSTACK = "http://host.docker.internal:4566"
ELASTICMQ = "http://host.docker.internal:9324"
NO_EMULATOR = "http://no-aws-emulator-configured.invalid"


def test_a_url_alone_is_for_every_service() -> None:
    assert parse_endpoints([LOCALSTACK]) == {"*": LOCALSTACK}


def test_service_endpoints() -> None:
    given = [f"sqs={ELASTICMQ}", f"secretsmanager={LOCALSTACK}", "https://aws-emulator.example:8443/base"]
    assert parse_endpoints(given) == {
        "sqs": ELASTICMQ,
        "secretsmanager": LOCALSTACK,
        "*": "https://aws-emulator.example:8443/base",
    }


def test_service_names_are_taken_in_lower_case_and_the_last_value_wins() -> None:
    assert parse_endpoints([f"SQS={LOCALSTACK}", f"sqs={ELASTICMQ}"]) == {"sqs": ELASTICMQ}
    assert parse_endpoints([]) == {}


@pytest.mark.parametrize("given", [f"s3={LOCALSTACK}", f"S3={LOCALSTACK}"])
def test_s3_cannot_be_moved(given: str) -> None:
    with pytest.raises(EnvironmentConfigError) as caught:
        parse_endpoints([given])
    assert caught.value.message == (
        "S3 always goes to the environment's local S3 service; --aws-endpoint cannot move it."
    )
    assert caught.value.hint == (
        "Name other services (e.g. sqs=http://host.docker.internal:4566), or a URL for all of them."
    )


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("localhost:4566", "--aws-endpoint 'localhost:4566': 'localhost:4566' is not an http(s) URL."),
        ("sqs=ftp://host:21", "--aws-endpoint 'sqs=ftp://host:21': 'ftp://host:21' is not an http(s) URL."),
        ("sqs=", "--aws-endpoint 'sqs=': '' is not an http(s) URL."),
        ("sqs=http://a b", "--aws-endpoint 'sqs=http://a b': 'http://a b' is not an http(s) URL."),
    ],
)
def test_refuses_what_is_not_a_url(given: str, message: str) -> None:
    with pytest.raises(EnvironmentConfigError) as caught:
        parse_endpoints([given])
    assert caught.value.message == message
    assert caught.value.hint == "For example http://host.docker.internal:4566 for LocalStack or moto on this machine."


@pytest.mark.parametrize(
    ("given", "service"),
    [
        (f"secrets_manager={LOCALSTACK}", "secrets_manager"),
        (f"1sqs={LOCALSTACK}", "1sqs"),
        (f"={LOCALSTACK}", ""),
        (f"my service={LOCALSTACK}", "my service"),
    ],
)
def test_refuses_what_is_not_a_service_name(given: str, service: str) -> None:
    with pytest.raises(EnvironmentConfigError) as caught:
        parse_endpoints([given])
    assert caught.value.message == f"--aws-endpoint {given!r}: {service!r} is not an AWS service name."
    assert caught.value.hint == (
        "Use SERVICE=URL with boto3's service name, e.g. secretsmanager=http://host.docker.internal:4566."
    )


def test_endpoint_variable_names() -> None:
    assert endpoint_variable("*") == "AWS_ENDPOINT_URL"
    assert endpoint_variable("sqs") == "AWS_ENDPOINT_URL_SQS"
    assert endpoint_variable("dynamodb") == "AWS_ENDPOINT_URL_DYNAMODB"


def botocore_endpoint(service: str, environ: dict[str, str], monkeypatch: pytest.MonkeyPatch, home: Path) -> str:
    """The endpoint a botocore client of `service` uses with `environ` (and no config files)."""
    for key in [key for key in list(os.environ) if key.startswith("AWS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    client = botocore.session.get_session().create_client(
        service, region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    return str(client.meta.endpoint_url)


@pytest.mark.parametrize(
    "service",
    [
        "sqs",
        "sts",
        "dynamodb",
        "ssm",
        "kms",
        # boto3's variable comes from the service id ("Secrets Manager", "CloudWatch Logs", …).
        "secretsmanager",
        "logs",
        "events",
        "stepfunctions",
    ],
)
def test_a_service_endpoint_reaches_boto3(service: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """What the container's boto3 makes of the variables: the named service goes to the user's
    emulator, the others to the all-services address."""
    environ = task_variables("key", "secret", parse_endpoints([f"{service}={LOCALSTACK}"]))
    assert botocore_endpoint(service, environ, monkeypatch, tmp_path) == LOCALSTACK


def test_boto3_reaches_local_s3_and_nothing_else_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    environ = task_variables("key", "secret", {})
    assert botocore_endpoint("s3", environ, monkeypatch, tmp_path) == "http://s3:9000"
    assert botocore_endpoint("sqs", environ, monkeypatch, tmp_path) == NO_EMULATOR
    for served in ("logs", "cloudwatch", "secretsmanager", "ssm"):  # the control plane's other services
        assert botocore_endpoint(served, environ, monkeypatch, tmp_path) == "http://control-plane:4566", served


def test_task_variables_defaults() -> None:
    assert task_variables("access", "secret", {}) == {
        "AWS_ACCESS_KEY_ID": "access",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_ENDPOINT_URL_S3": "http://s3:9000",
        "AWS_ENDPOINT_URL_MWAA": "http://control-plane:4566",
        "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
        "AWS_ENDPOINT_URL": NO_EMULATOR,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
        "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
        "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": "http://control-plane:4566",
        "AWS_ENDPOINT_URL_CLOUDWATCH": "http://control-plane:4566",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://control-plane:4566",
        "AWS_ENDPOINT_URL_SSM": "http://control-plane:4566",
        "AWS_ENDPOINT_URL_MWAA_SERVERLESS": "http://control-plane:4566",
    }


def test_a_user_endpoint_replaces_the_default_for_all_services_and_s3_stays_local(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    variables = task_variables("access", "secret", parse_endpoints([LOCALSTACK, f"sqs={ELASTICMQ}"]))
    assert variables["AWS_ENDPOINT_URL"] == LOCALSTACK
    assert variables["AWS_ENDPOINT_URL_SQS"] == ELASTICMQ
    assert variables["AWS_ENDPOINT_URL_S3"] == "http://s3:9000"
    assert NO_EMULATOR not in variables.values()
    # The region's CloudWatch, Secrets Manager and SSM give way to the user's emulator too.
    assert botocore_endpoint("secretsmanager", variables, monkeypatch, tmp_path) == LOCALSTACK


def test_a_service_endpoint_alone_keeps_the_default_for_the_others() -> None:
    variables = task_variables("access", "secret", parse_endpoints([f"sqs={ELASTICMQ}", f"ssm={LOCALSTACK}"]))
    assert variables["AWS_ENDPOINT_URL"] == NO_EMULATOR
    assert variables["AWS_ENDPOINT_URL_SQS"] == ELASTICMQ
    assert variables["AWS_ENDPOINT_URL_SSM"] == LOCALSTACK
    assert variables["AWS_ENDPOINT_URL_SECRETS_MANAGER"] == "http://control-plane:4566"
