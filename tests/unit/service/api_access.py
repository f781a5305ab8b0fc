"""Signing for the unit tests of the MWAA API: the keys its test server accepts, and raw HTTP
requests signed as botocore signs them."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from emulator.service.iam.access import AccessControl
from emulator.service.iam.principals import Principals, admin

ACCESS_KEY = "testing"
SECRET_KEY = "testing"


def access_for_tests(principals_file: Path | None = None) -> AccessControl:
    """The region admin holds the test keys; `principals_file` may add more."""
    path = principals_file or Path("/nonexistent/mwaa-local-tests/principals.json")
    return AccessControl(Principals(lambda: admin(ACCESS_KEY, SECRET_KEY), path))


def signed(
    url: str, method: str, body: bytes | None = None, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY
) -> urllib.request.Request:
    """A urllib request carrying botocore's SigV4 signature for the MWAA API (service `airflow`)."""
    request = AWSRequest(method=method, url=url, data=body or b"")
    SigV4Auth(Credentials(access_key, secret_key), "airflow", "us-east-1").add_auth(request)
    return urllib.request.Request(url, data=body, method=method, headers=dict(request.headers.items()))
