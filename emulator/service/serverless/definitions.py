"""Reading a workflow's definition from the bucket by its object version, as CreateWorkflow and
UpdateWorkflow snapshot it: the version named, or the current one (whose id is then kept)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import urllib3.exceptions
from minio import Minio
from minio.error import S3Error

from emulator.model.serverless.definition import MAX_DEFINITION_BYTES
from emulator.model.serverless.errors import WorkflowValidationError

FIELD = "DefinitionS3Location"
S3Client = Callable[[], Minio]


def read_definition(client: S3Client, location: dict[str, Any]) -> tuple[bytes, str]:
    """The definition's bytes and the object version they are; ValidationException naming the
    object when it cannot be read."""
    bucket, key, version = location["Bucket"], location["ObjectKey"], location.get("VersionId")
    where = f"s3://{bucket}/{key}" + (f" (version {version})" if version else "")
    try:
        response = client().get_object(bucket, key, version_id=version)
    except S3Error as error:
        raise WorkflowValidationError(
            f"Unable to read the workflow definition at {where}: {error.code}.", field=FIELD
        ) from error
    except urllib3.exceptions.HTTPError as error:
        raise WorkflowValidationError(
            f"Unable to read the workflow definition at {where}: the S3 service does not answer ({error}).",
            field=FIELD,
        ) from error
    try:
        data = response.read(MAX_DEFINITION_BYTES + 1)
        read_version = response.headers.get("x-amz-version-id") or "null"
    finally:
        response.close()
        response.release_conn()
    return data, read_version
