"""What MWAA fills in when CreateEnvironment leaves a member out (docs/reference.md §3.2), plus the
local stand-ins for the members MWAA requires but that mean nothing on one machine."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from emulator.model import versions
from emulator.model.account import ACCOUNT_ID
from emulator.model.classes import CLASSES, DEFAULT_CLASS

DEFAULT_NAME = "local"
DEFAULT_BUCKET = "mwaa-local"
LOG_TYPES = ("DagProcessingLogs", "SchedulerLogs", "WebserverLogs", "WorkerLogs", "TaskLogs")


BUCKET_PREFIX = f"{DEFAULT_BUCKET}-"
BUCKET_MAX_LENGTH = 63
HASH_LENGTH = 10
# A name that is a bucket-name suffix as is: lower-case letters, digits and single hyphens,
# starting with a letter and ending with a letter or digit.
_READABLE = re.compile(r"[a-z](?:-?[a-z0-9])*")
# Bucket names S3 reserves by their ending.
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", "--x-s3", "--table-s3")


def default_bucket(name: str) -> str:
    """Each environment gets a bucket of its own unless it names one: deploys mirror deletions,
    so two environments sharing a DAG folder would delete each other's DAGs.

    `local` has `mwaa-local`; a name that is a valid bucket suffix as is has `mwaa-local-<name>`;
    any other (upper case, `_`, `--`, too long) has `mwaa-local-<name cleaned and cut>--<hash of
    the exact name>`. Only these carry `--`, so the two forms never meet, and the hash tells
    apart names that clean up alike (`team_a`, `Team-A`, names sharing their first characters).
    """
    if name == DEFAULT_NAME:
        return DEFAULT_BUCKET
    readable = BUCKET_PREFIX + name
    if _READABLE.fullmatch(name) and len(readable) <= BUCKET_MAX_LENGTH and not readable.endswith(_RESERVED_SUFFIXES):
        return readable
    digest = hashlib.sha256(name.encode()).hexdigest()[:HASH_LENGTH]
    room = BUCKET_MAX_LENGTH - len(BUCKET_PREFIX) - len("--") - HASH_LENGTH
    cleaned = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:room].rstrip("-")
    return f"{BUCKET_PREFIX}{cleaned}".rstrip("-") + f"--{digest}"


def logging_defaults() -> dict[str, dict[str, Any]]:
    """Task logs on at INFO, the other four log types off: MWAA's default."""
    return {kind: {"Enabled": kind == "TaskLogs", "LogLevel": "INFO"} for kind in LOG_TYPES}


# The role an environment acts as when its record names none (model/execution_role.py).
DEFAULT_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/mwaa-local-execution-role"


def apply_defaults(given: dict[str, Any]) -> dict[str, Any]:
    """The full record: `given` (CreateEnvironment members) over MWAA's defaults for its class."""
    class_name = given.get("EnvironmentClass", DEFAULT_CLASS)
    spec = CLASSES.get(class_name, CLASSES[DEFAULT_CLASS])
    name = str(given.get("Name") or DEFAULT_NAME)
    record: dict[str, Any] = {
        "Name": name,
        "ExecutionRoleArn": DEFAULT_ROLE_ARN,
        "SourceBucketArn": f"arn:aws:s3:::{default_bucket(name)}",
        "DagS3Path": "dags",
        "NetworkConfiguration": {
            "SubnetIds": ["subnet-mwaa-local-a", "subnet-mwaa-local-b"],
            "SecurityGroupIds": ["sg-mwaa-local"],
        },
        "AirflowVersion": versions.default_version(),
        "EnvironmentClass": class_name,
        "MinWorkers": 1,
        "MaxWorkers": spec.default_max_workers,
        "Schedulers": spec.default_schedulers,
        "MinWebservers": spec.webservers_range[0],
        "MaxWebservers": spec.webservers_range[1],
        "WebserverAccessMode": "PRIVATE_ONLY",
        "AirflowConfigurationOptions": {},
    }
    record.update(given)
    logging = logging_defaults()
    for kind, settings in (given.get("LoggingConfiguration") or {}).items():
        logging[kind] = {**logging.get(kind, {}), **settings}
    record["LoggingConfiguration"] = logging
    return record
