"""An S3 client for the local S3 service that fails fast: a stopped service must show up as an
error within seconds (and be retried by the caller), not as a request hanging for minutes on
minio's default five-minute timeouts."""

from __future__ import annotations

from urllib.parse import urlsplit

import urllib3
from minio import Minio
from minio.credentials.providers import StaticProvider
from minio.minioadmin import MinioAdmin

TIMEOUT = urllib3.Timeout(connect=3, read=30)
RETRIES = urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504))


def make_client(endpoint: str, access_key: str, secret_key: str, region: str) -> Minio:
    url = urlsplit(endpoint)
    return Minio(
        url.netloc,
        access_key=access_key,
        secret_key=secret_key,
        secure=url.scheme == "https",
        region=region,
        http_client=urllib3.PoolManager(timeout=TIMEOUT, retries=RETRIES, maxsize=4),
    )


def make_admin(endpoint: str, access_key: str, secret_key: str, region: str) -> MinioAdmin:
    """A client of the S3 service's admin API (users and their policies), as its root user."""
    url = urlsplit(endpoint)
    return MinioAdmin(
        endpoint=url.netloc,
        credentials=StaticProvider(access_key, secret_key),
        region=region,
        secure=url.scheme == "https",
        http_client=urllib3.PoolManager(timeout=TIMEOUT, retries=RETRIES, maxsize=2),
    )
