"""Creating an environment's bucket the way MWAA needs it: present and versioned."""

from __future__ import annotations

from minio import Minio
from minio.commonconfig import ENABLED
from minio.versioningconfig import VersioningConfig


def ensure_bucket(client: Minio, bucket: str) -> bool:
    """Create `bucket` if missing and turn versioning on; idempotent. True if it was created."""
    created = False
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)
        created = True
    if client.get_bucket_versioning(bucket).status != ENABLED:
        client.set_bucket_versioning(bucket, VersioningConfig(ENABLED))
    return created
