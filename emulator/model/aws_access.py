"""How tasks reach AWS: as their environment's execution role.

On MWAA a task's boto3, `S3Hook`, `S3KeySensor` and the `aws_default` connection work with
no configuration: the execution role's credentials come from the container. Here every
Airflow container gets the keys of its environment's execution role (model/execution_role.py)
and the local endpoints through the variables boto3 reads by itself, so the same DAG code
reaches the local buckets and MWAA API, with the role's permissions and no more.

Nothing of the host's AWS configuration reaches a container, and no task reaches real AWS
by accident: other services go to the emulator the user names (`--aws-endpoint`), or to an
address that cannot resolve and says why in boto3's error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import botocore.session

from emulator.model.aws_services import SERVICES
from emulator.model.errors import EnvironmentConfigError

S3_ENDPOINT_IN_REGION = "http://s3:9000"
# The MWAA API (the region's control plane), as tasks' `MwaaHook` and boto3's `mwaa` client reach
# it: as the execution role, whose policy decides what they may call. CloudWatch Logs,
# CloudWatch, Secrets Manager and SSM are served there too (model/aws_services.py).
MWAA_ENDPOINT_IN_REGION = "http://control-plane:4566"
# Where boto3 goes for services no emulator was named for: `.invalid` never resolves.
NO_EMULATOR = "http://no-aws-emulator-configured.invalid"
ALL_SERVICES = "*"
SERVERLESS_CLIENT = "mwaa-serverless"
ENDPOINT = re.compile(r"https?://[^\s'\"]+")


@cache
def _botocore() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def known_services() -> frozenset[str]:
    return frozenset(_botocore().get_available_services())


def endpoint_variable(service: str) -> str:
    """The variable boto3 reads for one service's endpoint. botocore names it after the
    service's id, not its client name: `secretsmanager` → AWS_ENDPOINT_URL_SECRETS_MANAGER."""
    if service == ALL_SERVICES:
        return "AWS_ENDPOINT_URL"
    service_id = _botocore().get_service_model(service).service_id
    return "AWS_ENDPOINT_URL_" + str(service_id.hyphenize()).upper().replace("-", "_")


def parse_endpoints(given: Iterable[str]) -> dict[str, str]:
    """`--aws-endpoint` values: `URL` (every service but S3) or `SERVICE=URL`."""
    endpoints: dict[str, str] = {}
    for item in given:
        service, separator, url = item.partition("=")
        if not separator or ENDPOINT.fullmatch(item):  # a URL alone may hold `=` in its query
            service, url = ALL_SERVICES, item
        service = service.strip().lower()
        if service == "s3":
            raise EnvironmentConfigError(
                "S3 always goes to the environment's local S3 service; --aws-endpoint cannot move it.",
                hint="Name other services (e.g. sqs=http://host.docker.internal:4566), or a URL for all of them.",
            )
        if service != ALL_SERVICES and service not in known_services():
            raise EnvironmentConfigError(
                f"--aws-endpoint {item!r}: {service!r} is not an AWS service name.",
                hint="Use SERVICE=URL with boto3's service name, e.g. secretsmanager=http://host.docker.internal:4566.",
            )
        if not ENDPOINT.fullmatch(url):
            raise EnvironmentConfigError(
                f"--aws-endpoint {item!r}: {url!r} is not an http(s) URL.",
                hint="For example http://host.docker.internal:4566 for LocalStack or moto on this machine.",
            )
        endpoints[service] = url
    return endpoints


def region_service_variables(endpoint: str) -> dict[str, str]:
    """The endpoint variables of the AWS services the control plane serves beside the MWAA API,
    MWAA Serverless's among them."""
    return {endpoint_variable(client): endpoint for client in (SERVERLESS_CLIENT, *(s.client for s in SERVICES))}


def task_variables(access_key: str, secret_key: str, endpoints: dict[str, str]) -> dict[str, str]:
    """The variables that make boto3 inside a container use the local services: the region's
    own unless `--aws-endpoint` names another emulator for them (or for every service)."""
    region_services = {} if ALL_SERVICES in endpoints else region_service_variables(MWAA_ENDPOINT_IN_REGION)
    variables = {
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret_key,
        "AWS_ENDPOINT_URL_S3": S3_ENDPOINT_IN_REGION,
        "AWS_ENDPOINT_URL_MWAA": MWAA_ENDPOINT_IN_REGION,
        # botocore would put `api.`/`env.` in front of the control plane's host.
        "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
        "AWS_ENDPOINT_URL": NO_EMULATOR,
        # Never ask an instance metadata service for credentials or the region.
        "AWS_EC2_METADATA_DISABLED": "true",
        # Checksums only where S3 requires them: S3-compatible servers differ on the rest.
        "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
        "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
        **region_services,
    }
    for service, url in endpoints.items():
        variables[endpoint_variable(service)] = url
    return variables
