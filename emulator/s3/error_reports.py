"""S3 failures as errors a user can act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import urllib3.exceptions
from minio.error import S3Error

from emulator.model.errors import MwaaLocalError


@contextmanager
def s3_errors(endpoint: str) -> Iterator[None]:
    try:
        yield
    except S3Error as error:
        raise MwaaLocalError(
            f"The S3 service at {endpoint} answered {error.code}: {error.message} ({error.resource or ''}).",
            hint="Check the bucket and paths of the environment (SourceBucketArn, DagS3Path).",
        ) from error
    except urllib3.exceptions.HTTPError as error:
        raise MwaaLocalError(
            f"Cannot reach the S3 service at {endpoint} ({error}).",
            hint="`mwaa-local status` shows the region; `mwaa-local up` starts it.",
        ) from error
