"""Verifying the AWS Signature Version 4 of a request to the region: the MWAA API's (signing name
`airflow`) and its other AWS services' (model/aws_services.py).

The server recomputes the signature with botocore's own signer over what the client signed
(its signed headers, the body as received, the timestamp it claims) and compares. A request
that is unsigned, signed for another service or region, too old, or signed with another secret
is refused, as AWS refuses it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from botocore.auth import SIGV4_TIMESTAMP, UNSIGNED_PAYLOAD, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from starlette.requests import Request

from emulator.model.errors import AccessDeniedError

SERVICE = "airflow"
ALGORITHM = "AWS4-HMAC-SHA256"
# AWS refuses a signature more than 15 minutes away from its clock, either way.
ALLOWED_SKEW = timedelta(minutes=15)
_AUTHORIZATION = re.compile(
    rf"{ALGORITHM} Credential=(?P<access_key>[^/,\s]+)/(?P<date>\d{{8}})/(?P<region>[^/,\s]+)/(?P<service>[^/,\s]+)"
    r"/aws4_request,\s*SignedHeaders=(?P<signed>[a-z0-9\-;]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
UNKNOWN_KEY = "The security token included in the request is invalid."


@dataclass(frozen=True)
class SignedRequest:
    """What the server received: the method, the URL as the client addressed it (raw path and
    query, the Host header's host), the headers and the body."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes


def signed_request(request: Request, body: bytes) -> SignedRequest:
    """The request as the client signed it: its raw path and query, on the host it addressed."""
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"")
    url = f"{request.url.scheme}://{request.headers.get('host', '')}{raw_path.decode('latin-1')}"
    return SignedRequest(request.method, url + (f"?{query.decode('latin-1')}" if query else ""), request.headers, body)


def verify(
    request: SignedRequest, secret_of: Callable[[str], str | None], region: str, now: datetime, service: str = SERVICE
) -> str:
    """The access key id that signed `request`; AccessDeniedError when the signature is missing,
    malformed, scoped elsewhere, expired or wrong."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    authorization = headers.get("authorization", "")
    if not authorization:
        raise AccessDeniedError("Missing Authentication Token: the region takes requests signed with SigV4 only.")
    found = _AUTHORIZATION.match(authorization.strip())
    if found is None:
        raise AccessDeniedError(
            f"Authorization header requires {ALGORITHM} with Credential, SignedHeaders and Signature."
        )
    if found["service"] != service:
        raise AccessDeniedError(f"Credential should be scoped to correct service: '{service}'.")
    if found["region"] != region:
        raise AccessDeniedError(f"Credential should be scoped to a valid region, not '{found['region']}'.")
    timestamp = _timestamp(headers, found["date"], now)
    secret = secret_of(found["access_key"])
    if secret is None:
        raise AccessDeniedError(UNKNOWN_KEY)
    signed = found["signed"].split(";")
    if "host" not in signed or any(name not in headers for name in signed):
        raise AccessDeniedError("SignedHeaders must include host, and every signed header must be sent.")
    _check_payload_hash(headers, request.body)
    signed_headers = {name: headers[name] for name in signed}
    expected = _signature(request, signed_headers, timestamp, found["access_key"], secret, region, service)
    if not hmac.compare_digest(expected, found["signature"]):
        raise AccessDeniedError(MISMATCH)
    return found["access_key"]


def _timestamp(headers: Mapping[str, str], scope_date: str, now: datetime) -> str:
    claimed = headers.get("x-amz-date", "")
    try:
        moment = datetime.strptime(claimed, SIGV4_TIMESTAMP).replace(tzinfo=UTC)
    except ValueError:
        raise AccessDeniedError(
            "The request must carry its signing time in X-Amz-Date (YYYYMMDD'T'HHMMSS'Z')."
        ) from None
    if claimed[:8] != scope_date:
        mismatch = f"'{scope_date}' != '{claimed[:8]}'"
        raise AccessDeniedError(
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: {mismatch}."
        )
    if abs(now - moment) > ALLOWED_SKEW:
        limit = "earlier" if moment < now else "later"
        bound = now - ALLOWED_SKEW if moment < now else now + ALLOWED_SKEW
        raise AccessDeniedError(
            f"Signature expired: {claimed} is now {limit} than {bound.strftime(SIGV4_TIMESTAMP)} "
            f"({now.strftime(SIGV4_TIMESTAMP)} {'-' if moment < now else '+'} 15 min.)"
        )
    return claimed


def _check_payload_hash(headers: Mapping[str, str], body: bytes) -> None:
    """A client that states its body's hash must have sent that body (the hash is what it signed).
    AWS takes an unsigned payload from S3 clients only: here the signature must cover the body."""
    stated = headers.get("x-amz-content-sha256")
    if stated == UNSIGNED_PAYLOAD:
        raise AccessDeniedError(
            "x-amz-content-sha256 UNSIGNED-PAYLOAD is accepted by Amazon S3 only: sign the request's body."
        )
    if stated and stated != hashlib.sha256(body).hexdigest():
        raise AccessDeniedError("The provided 'x-amz-content-sha256' header does not match what was computed.")


def _signature(
    request: SignedRequest,
    signed_headers: dict[str, str],
    timestamp: str,
    access_key: str,
    secret: str,
    region: str,
    service: str,
) -> str:
    rebuilt = AWSRequest(method=request.method, url=request.url, headers=signed_headers, data=request.body)
    rebuilt.context["timestamp"] = timestamp
    signer = SigV4Auth(Credentials(access_key, secret), service, region)
    canonical = signer.canonical_request(rebuilt)
    return str(signer.signature(signer.string_to_sign(rebuilt, canonical), rebuilt))
