"""The sidecar's connection to the region's S3 service. It fails fast: a stopped service shows up
as an error within seconds and the next round retries, instead of a request hanging for minio's
default five minutes. (The host's client, emulator/s3/client.py, is not in the image.)"""

from __future__ import annotations

from urllib.parse import urlsplit

import urllib3
from minio import Minio


def connect(endpoint: str, access_key: str, secret_key: str, region: str) -> Minio:
    url = urlsplit(endpoint)
    pool = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=3, read=30),
        retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504)),
        maxsize=2,  # one sync at a time
    )
    secure = url.scheme == "https"
    return Minio(
        url.netloc, access_key=access_key, secret_key=secret_key, secure=secure, region=region, http_client=pool
    )
