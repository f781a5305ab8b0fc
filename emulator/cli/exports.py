"""The variables that point boto3 and the aws CLI at this machine's region: `mwaa-local env`'s
exports, `up`'s status block and the pytest plugin's clients."""

from __future__ import annotations

import shlex

from emulator.docker.region import Region
from emulator.model.account import DEFAULT_REGION
from emulator.model.aws_access import region_service_variables
from emulator.state import edge_credentials as credentials

CA_BUNDLE_EXPORTS = ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")


def region_exports(region: Region) -> dict[str, str]:
    """What boto3 and the aws CLI need to reach this machine's S3 service, MWAA API and the
    region's other AWS services. botocore prefixes MWAA's host with `api.`/`env.` unless told not to."""
    secrets = region.secrets()
    exports = {
        "AWS_ENDPOINT_URL_S3": region.endpoint(),
        "AWS_ENDPOINT_URL_MWAA": region.api_endpoint(),
        **region_service_variables(region.api_endpoint()),
        "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
        "AWS_ACCESS_KEY_ID": secrets.access_key,
        "AWS_SECRET_ACCESS_KEY": secrets.secret_key,
        "AWS_DEFAULT_REGION": DEFAULT_REGION,
    }
    # The WebserverUrl is https from the machine's CA: botocore, requests, curl and Python's ssl
    # trust it (and the public roots) through one bundle.
    bundle = credentials.bundle_path(region.state.home)
    if bundle.is_file():
        exports |= dict.fromkeys(CA_BUNDLE_EXPORTS, str(bundle))
    return exports


def export_line(region: Region) -> str:
    return " ".join(f"{name}={shlex.quote(value)}" for name, value in region_exports(region).items())
