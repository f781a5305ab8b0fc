"""MWAA's rules for an environment beyond what the API shape says (docs/reference.md §3, §11, §15)."""

from __future__ import annotations

import re
from typing import Any

from emulator.model import versions
from emulator.model.classes import CLASSES

# Options MWAA does not let the console or the API set (docs/reference.md §15.1).
FORBIDDEN_OPTIONS = ("core.multi_team", "triggerer.queues_enabled")
# MWAA accepts `celery.worker_autoscale` only as `max,min` with max equal to min (`5,5`, not `8,2`).
WORKER_AUTOSCALE = "celery.worker_autoscale"
_AUTOSCALE = re.compile(r"([0-9]+),([0-9]+)")
# S3 bucket naming rules: 3 to 63 lower-case letters, digits, dots and hyphens, starting and
# ending with a letter or digit, no two dots in a row, not shaped like an IP address.
BUCKET_NAME = re.compile(r"(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def _within(errors: list[str], member: str, value: int, bounds: tuple[int, int], class_name: str) -> None:
    low, high = bounds
    if not low <= value <= high:
        errors.append(f"{member} must be between {low} and {high} for {class_name}; got {value}.")


def check(record: dict[str, Any]) -> list[str]:
    """Violations of MWAA's rules in a defaults-complete record; empty when it is valid."""
    errors: list[str] = []
    try:
        version = versions.get(record["AirflowVersion"])
    except versions.UnsupportedVersionError as error:
        errors.append(str(error))
        version = None

    class_name = record["EnvironmentClass"]
    spec = CLASSES.get(class_name)
    if spec is None:
        errors.append(f"EnvironmentClass {class_name} is not valid. Valid classes: {', '.join(CLASSES)}.")
    else:
        _within(errors, "MaxWorkers", record["MaxWorkers"], (1, spec.max_workers_limit), class_name)
        _within(errors, "Schedulers", record["Schedulers"], spec.schedulers_range, class_name)
        _within(errors, "MinWebservers", record["MinWebservers"], spec.webservers_range, class_name)
        _within(errors, "MaxWebservers", record["MaxWebservers"], spec.webservers_range, class_name)
    if record["MinWorkers"] > record["MaxWorkers"]:
        errors.append(f"MinWorkers ({record['MinWorkers']}) must not exceed MaxWorkers ({record['MaxWorkers']}).")
    if record["MinWebservers"] > record["MaxWebservers"]:
        errors.append(
            f"MinWebservers ({record['MinWebservers']}) must not exceed MaxWebservers ({record['MaxWebservers']})."
        )

    bucket = str(record["SourceBucketArn"]).rsplit(":", 1)[-1]
    if not BUCKET_NAME.fullmatch(bucket):
        errors.append(f"SourceBucketArn names {bucket!r}, which is not a valid S3 bucket name.")
    dag_path = str(record["DagS3Path"]).strip("/")
    if not dag_path:
        errors.append("DagS3Path must name a folder in the bucket, e.g. dags.")
    elif "'" in dag_path or "\n" in dag_path:
        errors.append("DagS3Path must not contain quotes or line breaks.")

    if record.get("WebserverAccessMode") == "PUBLIC_AND_PRIVATE" and version and version.release < (3, 2):
        errors.append("WebserverAccessMode PUBLIC_AND_PRIVATE needs Airflow 3.2 or later.")

    for key in record.get("AirflowConfigurationOptions") or {}:
        if "." not in key:
            errors.append(f"Airflow configuration option '{key}' must be written as section.option.")
        elif key in FORBIDDEN_OPTIONS:
            errors.append(f"Airflow configuration option '{key}' cannot be set on Amazon MWAA.")
    autoscale = (record.get("AirflowConfigurationOptions") or {}).get(WORKER_AUTOSCALE)
    if autoscale is not None and not _equal_positive_pair(str(autoscale)):
        errors.append(
            f"Airflow configuration option '{WORKER_AUTOSCALE}' must be two equal whole numbers max,min "
            f"(e.g. 5,5); got '{autoscale}'."
        )
    return errors


def _equal_positive_pair(value: str) -> bool:
    match = _AUTOSCALE.fullmatch(value)
    return match is not None and int(match[1]) == int(match[2]) > 0
