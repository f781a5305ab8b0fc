"""Offline stand-in for the MinIO server: moto's S3, with its state kept on /data.

It accepts MinIO's command line (`server /data [--address :9000] [--console-address :9001]`) so
the compose file stays unchanged, and saves the buckets (objects and version ids included) after
every change so `down` and `up` keep the bucket like MinIO does. It authenticates as MinIO does:
AWS Signature Version 4, in the Authorization header or a presigned URL, with MINIO_ROOT_USER and
MINIO_ROOT_PASSWORD (MinIO's `minioadmin` default when neither is set) or a user made through
MinIO's admin API, whose policy it enforces (s3_access.py), answering with MinIO's errors; only
the health endpoints are anonymous. Not emulated: the console, Signature Version 2,
POST-policy uploads, per-chunk signatures of streaming uploads, and checking a payload against
its x-amz-content-sha256 (the hash is signed as given).
"""

from __future__ import annotations

import argparse
import copyreg
import hashlib
import hmac
import io
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote
from xml.sax.saxutils import escape

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.s3.models import s3_backends
from moto.s3.utils import _VersionedKeyStore
from s3_access import ADMIN_PREFIX, Refused, Users, delete_keys, needed
from werkzeug.serving import make_server

STATE_FILE = "moto-s3-state.pickle"
PARTITION = "aws"
MUTATING = {"PUT", "POST", "DELETE"}
HEALTH_PATHS = ("/minio/health/live", "/minio/health/ready")
ERROR_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    "<Error><Code>{code}</Code><Message>{message}</Message><Resource>{resource}</Resource></Error>"
)

ALGORITHM = "AWS4-HMAC-SHA256"
AMZ_DATE = "%Y%m%dT%H%M%SZ"
MAX_SKEW = timedelta(minutes=15)
MAX_EXPIRES = 7 * 24 * 3600  # a presigned URL lives a week at most
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNRESERVED = "-_.~"  # RFC 3986: the characters a canonical query string leaves as they are
PRESIGN_FIELDS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders")
FORBIDDEN, BAD_REQUEST = "403 Forbidden", "400 Bad Request"


@dataclass(frozen=True)
class Signed:
    """What a SigV4 request claims: who signed it, when, over which headers and payload."""

    access_key: str
    scope: str  # <yyyymmdd>/<region>/<service>/aws4_request
    signed_headers: str  # "host;x-amz-date", as the client listed them
    signature: str
    when: datetime
    payload_hash: str
    expires: int | None  # seconds, for a presigned URL


def authenticate(environ: Mapping[str, Any], secret_of: Callable[[str], str | None], now: datetime) -> str:
    """The access key of a user (`secret_of` gives its secret, None for no such user) that signed
    the request (SigV4), as MinIO checks; Refused otherwise.

    WSGI strings carry the request's bytes as latin-1, so the canonical request is built and
    hashed in latin-1: byte for byte what the client signed."""
    query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True, encoding="latin-1")
    params = dict(query)
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    if authorization:
        signed = from_header(environ, authorization)
        if abs(now - signed.when) > MAX_SKEW:
            raise Refused(
                FORBIDDEN,
                "RequestTimeTooSkewed",
                "The difference between the request time and the server's time is too large.",
            )
    elif "X-Amz-Credential" in params or "X-Amz-Algorithm" in params:
        signed = from_query(environ, params)
    elif "AWSAccessKeyId" in params:  # Signature Version 2
        raise unsupported()
    else:
        raise Refused(FORBIDDEN, "AccessDenied", "Access Denied.")
    secret_key = secret_of(signed.access_key)
    if secret_key is None:
        raise Refused(FORBIDDEN, "InvalidAccessKeyId", "The Access Key Id you provided does not exist in our records.")
    if signed.expires is not None:
        if signed.when - now > MAX_SKEW:
            raise Refused(FORBIDDEN, "AccessDenied", "Request is not valid yet")
        if (now - signed.when).total_seconds() > signed.expires:
            raise Refused(FORBIDDEN, "AccessDenied", "Request has expired")
    canonical = canonical_request(environ, query, signed)
    if not hmac.compare_digest(signature(secret_key, signed, canonical), signed.signature.encode("latin-1")):
        raise Refused(
            FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
        )
    return signed.access_key


def unsupported() -> Refused:
    message = "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
    return Refused(BAD_REQUEST, "InvalidRequest", message)


def from_header(environ: Mapping[str, Any], authorization: str) -> Signed:
    """`Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`."""
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise unsupported()
    fields = dict(field.strip().split("=", 1) for field in rest.split(",") if "=" in field)
    if not {"Credential", "SignedHeaders", "Signature"} <= fields.keys():
        raise Refused(BAD_REQUEST, "AuthorizationHeaderMalformed", "The authorization header is malformed.")
    try:
        stamp = environ.get("HTTP_X_AMZ_DATE")
        when = parse_date(stamp) if stamp else parse_http_date(environ["HTTP_DATE"])
    except (KeyError, TypeError, ValueError):
        raise Refused(
            BAD_REQUEST, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header"
        ) from None
    key, scope = split_credential(fields["Credential"], "AuthorizationHeaderMalformed")
    payload_hash = environ.get("HTTP_X_AMZ_CONTENT_SHA256", EMPTY_SHA256)  # MinIO's default too
    return Signed(key, scope, fields["SignedHeaders"], fields["Signature"], when, payload_hash, None)


def from_query(environ: Mapping[str, Any], params: dict[str, str]) -> Signed:
    """A presigned URL: X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires, … in the query."""
    code = "AuthorizationQueryParametersError"
    if not all(field in params for field in (*PRESIGN_FIELDS, "X-Amz-Expires")):
        raise Refused(
            BAD_REQUEST,
            code,
            f"Query-string authentication version 4 requires {', '.join(PRESIGN_FIELDS)} and X-Amz-Expires.",
        )
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise Refused(BAD_REQUEST, code, f'X-Amz-Algorithm only supports "{ALGORITHM}"')
    try:
        when = parse_date(params["X-Amz-Date"])
        expires = int(params["X-Amz-Expires"])
    except ValueError:
        raise Refused(BAD_REQUEST, code, "X-Amz-Date or X-Amz-Expires is malformed.") from None
    if not 0 <= expires <= MAX_EXPIRES:
        raise Refused(BAD_REQUEST, code, f"X-Amz-Expires must be between 0 and {MAX_EXPIRES} seconds.")
    key, scope = split_credential(params["X-Amz-Credential"], code)
    payload_hash = params.get("X-Amz-Content-Sha256") or environ.get("HTTP_X_AMZ_CONTENT_SHA256", "UNSIGNED-PAYLOAD")
    signed_headers = params["X-Amz-SignedHeaders"]
    return Signed(key, scope, signed_headers, params["X-Amz-Signature"], when, payload_hash, expires)


def parse_date(stamp: str) -> datetime:
    return datetime.strptime(stamp, AMZ_DATE).replace(tzinfo=UTC)


def parse_http_date(text: str) -> datetime:
    when = parsedate_to_datetime(text)  # naive for "-0000", which still means UTC
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def split_credential(credential: str, code: str) -> tuple[str, str]:
    """`<access key>/<yyyymmdd>/<region>/<service>/aws4_request` → (access key, scope)."""
    key, *scope = credential.rsplit("/", 4)
    if len(scope) != 4 or scope[3] != "aws4_request":
        raise Refused(
            BAD_REQUEST,
            code,
            'The Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
        )
    return key, "/".join(scope)


def canonical_request(environ: Mapping[str, Any], query: list[tuple[str, str]], signed: Signed) -> str:
    # The path exactly as sent: S3 signs it as the client encoded it, without encoding it again.
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(environ.get("PATH_INFO", "/"))
    path = target.partition("?")[0] or "/"
    presigned = signed.expires is not None
    pairs = sorted(
        (quote(name, safe=UNRESERVED, encoding="latin-1"), quote(value, safe=UNRESERVED, encoding="latin-1"))
        for name, value in query
        if not (presigned and name == "X-Amz-Signature")
    )
    headers = [f"{name}:{header_value(environ, name)}" for name in signed.signed_headers.split(";")]
    return "\n".join(
        [
            environ.get("REQUEST_METHOD", "GET"),
            path,
            "&".join(f"{name}={value}" for name, value in pairs),
            *headers,
            "",
            signed.signed_headers,
            signed.payload_hash,
        ]
    )


def header_value(environ: Mapping[str, Any], name: str) -> str:
    """A header's value as SigV4 signs it: trimmed, inner runs of spaces made one."""
    key = name.upper().replace("-", "_")
    value = environ.get(key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}", "")
    return " ".join(str(value).split())


def signature(secret_key: str, signed: Signed, canonical: str) -> bytes:
    """The hex signature the request must carry (as bytes, for a constant-time comparison)."""
    digest = hashlib.sha256(canonical.encode("latin-1")).hexdigest()
    string_to_sign = "\n".join([ALGORITHM, signed.when.strftime(AMZ_DATE), signed.scope, digest])
    key = f"AWS4{secret_key}".encode()
    for part in signed.scope.split("/"):  # date, region, service, "aws4_request"
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest().encode()


def root_credentials(environ: Mapping[str, str]) -> tuple[str, str]:
    """MinIO's root user: both variables, or neither (then MinIO's default `minioadmin`)."""
    user, password = environ.get("MINIO_ROOT_USER", ""), environ.get("MINIO_ROOT_PASSWORD", "")
    if not user and not password:
        return "minioadmin", "minioadmin"
    if not user or not password:
        raise SystemExit("MINIO_ROOT_USER and MINIO_ROOT_PASSWORD must be set together (as MinIO requires)")
    return user, password


def every_version(store: _VersionedKeyStore) -> tuple[Any, ...]:
    """Pickles every version of each key: the store's items() give only the newest, so by default
    a restart would lose the older versions."""
    versions = ((key, version) for key, listed in store.iterlists() for version in listed)
    return _VersionedKeyStore, (), None, None, versions  # unpickling appends them in order


copyreg.pickle(_VersionedKeyStore, every_version)


class StateKeeper:
    """Writes the S3 backend to disk shortly after each mutating request."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / STATE_FILE
        self.dirty = threading.Event()
        self.lock = threading.Lock()

    def backend(self) -> Any:
        return s3_backends[DEFAULT_ACCOUNT_ID][PARTITION]

    def load(self) -> None:
        if self.path.exists():
            saved = pickle.loads(self.path.read_bytes())
            self.backend().__dict__.update(saved.__dict__)
            print(f"s3 stand-in: restored {len(saved.buckets)} bucket(s) from {self.path}", flush=True)

    def save(self) -> None:
        with self.lock:  # mutating requests hold it too: the pickle sees a consistent state
            temporary = self.path.with_suffix(".tmp")
            temporary.write_bytes(pickle.dumps(self.backend()))
            os.replace(temporary, self.path)

    def run_saver(self) -> None:
        while True:
            self.dirty.wait()
            self.dirty.clear()
            try:
                self.save()
            except Exception as error:  # keep the saver alive; try again on the next change
                print(f"s3 stand-in: saving state failed: {error!r}", flush=True)
                self.dirty.set()
                threading.Event().wait(1)

    def middleware(self, app: Callable[..., Iterable[bytes]], users: Users) -> Callable[..., Iterable[bytes]]:
        def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            path = environ.get("PATH_INFO", "")
            if path.startswith(HEALTH_PATHS):  # anonymous, as on MinIO
                start_response("200 OK", [("Content-Length", "0")])
                return [b""]
            try:
                access_key = authenticate(environ, users.secret_of, now=datetime.now(UTC))
                if path.startswith(ADMIN_PREFIX):
                    method, command = environ.get("REQUEST_METHOD", "GET"), path.removeprefix(ADMIN_PREFIX)
                    users.admin(access_key, method, command, environ.get("QUERY_STRING", ""), read_body(environ))
                    start_response("200 OK", [("Content-Length", "0")])
                    return [b""]
                users.authorize(access_key, requested(environ))
            except Refused as refused:
                resource = escape(path or "/")
                body = ERROR_XML.format(code=refused.code, message=escape(refused.message), resource=resource).encode()
                start_response(
                    refused.status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
                )
                return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else body]
            if environ.get("REQUEST_METHOD") not in MUTATING:
                return app(environ, start_response)
            with self.lock:
                try:
                    return list(app(environ, start_response))
                finally:
                    self.dirty.set()

        return wrapped


def read_body(environ: dict[str, Any]) -> bytes:
    """The request's body, left readable again for the app behind."""
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    environ["wsgi.input"] = io.BytesIO(body)
    return bytes(body)


def requested(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """The (action, resource) pairs the request needs; a multi-object delete needs each key's."""
    method = environ.get("REQUEST_METHOD", "GET")
    query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    pairs = needed(method, environ.get("PATH_INFO", "/"), query, environ)
    if method == "POST" and "delete" in query:
        bucket = environ.get("PATH_INFO", "/").strip("/").partition("/")[0]
        pairs = [("s3:DeleteObject", f"arn:aws:s3:::{bucket}/{key}") for key in delete_keys(read_body(environ))]
    return pairs


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="minio (moto stand-in)")
    parser.add_argument("command", choices=["server"])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--address", default=":9000")
    parser.add_argument("--console-address", default=":9001", help="accepted and ignored")
    args = parser.parse_args(argv)
    root = root_credentials(os.environ)

    args.data_dir.mkdir(parents=True, exist_ok=True)
    keeper = StateKeeper(args.data_dir)
    keeper.load()
    threading.Thread(target=keeper.run_saver, daemon=True).start()

    host, _, port = args.address.rpartition(":")
    app = keeper.middleware(DomainDispatcherApplication(create_backend_app), Users(args.data_dir, root))
    server = make_server(host or "0.0.0.0", int(port), app, threaded=True)

    def stop(*_: object) -> None:
        keeper.save()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"s3 stand-in (moto) listening on {args.address}, data in {args.data_dir}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
