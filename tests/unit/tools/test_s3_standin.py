"""The offline S3 stand-in's authentication (scripts/offline/s3_standin.py), in process: requests
signed by botocore's own SigV4 signers, as werkzeug's server hands them to the stand-in.

tests/unit/s3/test_minio_interface.py runs the stand-in as a process against real clients.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import pickle
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock
from urllib.parse import unquote, urlsplit

import botocore.auth
import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSPreparedRequest, AWSRequest
from botocore.credentials import Credentials

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "offline" / "s3_standin.py"
ENDPOINT = "http://127.0.0.1:9000"
KEY, SECRET, REGION = "mwaa-local-unit", "unit-secret-0123456789abcdefghijklmnopqrstuv", "us-east-1"
SIGNED_AT = datetime(2025, 5, 6, 7, 8, 9, tzinfo=UTC)
FORBIDDEN, BAD_REQUEST = "403 Forbidden", "400 Bad Request"


def load_standin() -> ModuleType:
    # As in its image: its own folder first on the path, for its sibling s3_access.
    if str(SCRIPT.parent) not in sys.path:
        sys.path.insert(0, str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("s3_standin", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


standin = load_standin()
access = sys.modules["s3_access"]


def environ_of(request: AWSPreparedRequest) -> dict[str, Any]:
    """The WSGI environ werkzeug's server builds for this request as an HTTP client sends it."""
    url = urlsplit(request.url)
    target = url.path + (f"?{url.query}" if url.query else "")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "PATH_INFO": unquote(url.path, encoding="latin-1"),
        "QUERY_STRING": url.query,
        "RAW_URI": target,
        "REQUEST_URI": target,
        "HTTP_HOST": url.netloc,
        # Added by the HTTP client after signing, so never signed.
        "HTTP_USER_AGENT": "unit-test",
        "HTTP_ACCEPT_ENCODING": "identity",
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = text
    return environ


def sign(
    auth: botocore.auth.BaseSigner,
    method: str,
    endpoint: str,
    path: str,
    params: dict[str, str] | None,
    headers: dict[str, str] | None,
    body: bytes,
    at: datetime,
) -> dict[str, Any]:
    request = AWSRequest(method=method, url=f"{endpoint}{path}", params=params or {}, headers=headers or {}, data=body)
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda *_, **__: at.replace(tzinfo=None)):
        auth.add_auth(request)
    return environ_of(request.prepare())


def signed(
    method: str = "GET",
    path: str = "/bucket",
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    key: str = KEY,
    secret: str = SECRET,
    signer: Callable[..., botocore.auth.BaseSigner] = S3SigV4Auth,
    at: datetime = SIGNED_AT,
    endpoint: str = ENDPOINT,
) -> dict[str, Any]:
    """A request signed in its Authorization header, as boto3 signs it."""
    return sign(signer(Credentials(key, secret), "s3", REGION), method, endpoint, path, params, headers, body, at)


def presigned(
    method: str = "GET",
    path: str = "/bucket/dags/a.py",
    expires: int = 60,
    key: str = KEY,
    secret: str = SECRET,
    at: datetime = SIGNED_AT,
) -> dict[str, Any]:
    """A presigned URL's request, as `aws s3 presign` / generate_presigned_url (SigV4) make it."""
    auth = S3SigV4QueryAuth(Credentials(key, secret), "s3", REGION, expires=expires)
    return sign(auth, method, ENDPOINT, path, None, None, b"", at)


def refusal(environ: dict[str, Any], now: datetime = SIGNED_AT) -> tuple[str, str] | None:
    """(HTTP status, S3 error code) the stand-in answers with; None when it lets the request in."""
    try:
        standin.authenticate(environ, {KEY: SECRET}.get, now)
    except standin.Refused as refused:
        return refused.status, refused.code
    return None


ACCEPTED = {
    "list with an awkward prefix": lambda secret: signed(
        secret=secret, params={"list-type": "2", "prefix": "dags/a b+ü~*'()!$&=;:@,", "encoding-type": "url"}
    ),
    "list object versions": lambda secret: signed(params={"versions": "", "prefix": "dags/"}, secret=secret),
    "put with metadata": lambda secret: signed(
        "PUT",
        "/bucket/dags/a%20b%2B%28%C3%BC%29.py",
        headers={"Content-Type": "text/x-python", "x-amz-meta-owner": "  the   team ", "Content-MD5": "abc=="},
        body=b"print('hi')\n",
        secret=secret,
    ),
    "copy": lambda secret: signed(
        "PUT", "/bucket/dags/b.py", headers={"x-amz-copy-source": "/bucket/dags/a.py"}, secret=secret
    ),
    "batch delete": lambda secret: signed("POST", "/bucket", params={"delete": ""}, body=b"<Delete/>", secret=secret),
    "virtual-hosted style, from a container": lambda secret: signed(
        path="/dags/a.py", endpoint="http://bucket.s3:9000", secret=secret
    ),
    "get a version": lambda secret: signed(
        path="/bucket/dags/a.py", params={"versionId": "3/L4kqtJl40Nr8X8gdRQBpUMLUo"}, secret=secret
    ),
    "no x-amz-content-sha256 (MinIO takes the empty payload's hash)": lambda secret: signed(
        path="/", signer=SigV4Auth, secret=secret
    ),
    "Date instead of X-Amz-Date": lambda secret: signed(headers={"Date": "set by the signer"}, secret=secret),
    "presigned GET": lambda secret: presigned(secret=secret),
    "presigned PUT": lambda secret: presigned("PUT", secret=secret),
}


@pytest.mark.parametrize("make", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_requests_boto3_signs_are_accepted(make: Callable[[str], dict[str, Any]]) -> None:
    assert refusal(make(SECRET)) is None
    assert refusal(make("not-the-secret")) == (FORBIDDEN, "SignatureDoesNotMatch")


def changed(**entries: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda environ: {**environ, **entries}


TAMPERED = {
    "method": changed(REQUEST_METHOD="DELETE"),
    "path": changed(RAW_URI="/bucket/dags/b.py", REQUEST_URI="/bucket/dags/b.py", PATH_INFO="/bucket/dags/b.py"),
    "query": lambda environ: {**environ, "QUERY_STRING": environ["QUERY_STRING"] + "&versionId=1"},
    "a signed header": changed(HTTP_X_AMZ_META_OWNER="someone else"),
    "the host": changed(HTTP_HOST="127.0.0.1:9999"),
    "the payload hash": changed(HTTP_X_AMZ_CONTENT_SHA256=hashlib.sha256(b"other").hexdigest()),
    "the content type": changed(CONTENT_TYPE="application/octet-stream"),
}


@pytest.mark.parametrize("tamper", TAMPERED.values(), ids=TAMPERED.keys())
def test_a_request_changed_after_signing_is_refused(tamper: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    headers = {"Content-Type": "text/plain", "x-amz-meta-owner": "team"}
    environ = signed("PUT", "/bucket/dags/a.py", headers=headers, body=b"x")
    assert refusal(environ) is None
    assert refusal({**environ, "HTTP_X_FORWARDED_FOR": "10.0.0.1"}) is None  # not signed: may change
    assert refusal(tamper(environ)) == (FORBIDDEN, "SignatureDoesNotMatch")


def test_a_presigned_url_with_a_changed_signature_is_refused() -> None:
    environ = presigned()
    query = environ["QUERY_STRING"]
    signature = query.partition("X-Amz-Signature=")[2][:64]
    other = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    assert refusal({**environ, "QUERY_STRING": query.replace(signature, other)}) == (FORBIDDEN, "SignatureDoesNotMatch")
    assert refusal({**environ, "QUERY_STRING": query + "&versionId=1"}) == (FORBIDDEN, "SignatureDoesNotMatch")


class LiteralPayload(S3SigV4Auth):
    """botocore's S3 signer, signing a chosen x-amz-content-sha256 (as streaming uploads do)."""

    def __init__(self, credentials: Credentials, service: str, region: str, payload_hash: str) -> None:
        super().__init__(credentials, service, region)
        self.payload_hash = payload_hash

    def payload(self, request: AWSRequest) -> str:
        return self.payload_hash


@pytest.mark.parametrize(
    "payload_hash",
    [
        hashlib.sha256(b"whatever the body").hexdigest(),
        "UNSIGNED-PAYLOAD",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    ],
)
def test_the_payload_hash_is_signed_as_given(payload_hash: str) -> None:
    def signer(credentials: Credentials, service: str, region: str) -> LiteralPayload:
        return LiteralPayload(credentials, service, region, payload_hash)

    environ = signed("PUT", "/bucket/dags/a.py", body=b"chunks", signer=signer)
    assert environ["HTTP_X_AMZ_CONTENT_SHA256"] == payload_hash
    assert refusal(environ) is None
    assert refusal({**environ, "HTTP_X_AMZ_CONTENT_SHA256": "UNSIGNED-PAYLOAD-X"}) == (
        FORBIDDEN,
        "SignatureDoesNotMatch",
    )


@pytest.mark.parametrize("minutes", [-14, 14])
def test_a_request_time_within_fifteen_minutes_is_accepted(minutes: int) -> None:
    assert refusal(signed(), now=SIGNED_AT + timedelta(minutes=minutes)) is None


@pytest.mark.parametrize("minutes", [-16, 16])
def test_a_request_time_further_off_is_refused(minutes: int) -> None:
    environ = signed()
    assert refusal(environ, now=SIGNED_AT + timedelta(minutes=minutes)) == (FORBIDDEN, "RequestTimeTooSkewed")


def test_a_presigned_url_lives_until_it_expires() -> None:
    environ = presigned(expires=3600)
    assert refusal(environ, now=SIGNED_AT + timedelta(minutes=59)) is None  # the skew limit does not apply
    assert refusal(environ, now=SIGNED_AT + timedelta(minutes=61)) == (FORBIDDEN, "AccessDenied")
    assert refusal(environ, now=SIGNED_AT - timedelta(minutes=14)) is None
    assert refusal(environ, now=SIGNED_AT - timedelta(minutes=16)) == (FORBIDDEN, "AccessDenied")  # not valid yet


def test_who_may_ask() -> None:
    anonymous = {"REQUEST_METHOD": "GET", "PATH_INFO": "/bucket", "RAW_URI": "/bucket", "QUERY_STRING": ""}
    assert refusal(anonymous) == (FORBIDDEN, "AccessDenied")
    assert refusal(signed(key="someone")) == (FORBIDDEN, "InvalidAccessKeyId")
    assert refusal(presigned(key="someone")) == (FORBIDDEN, "InvalidAccessKeyId")
    assert refusal(signed(secret="not-the-secret")) == (FORBIDDEN, "SignatureDoesNotMatch")
    assert refusal(presigned(secret="not-the-secret")) == (FORBIDDEN, "SignatureDoesNotMatch")


def test_malformed_or_unsupported_authorization_is_refused() -> None:
    environ = signed()
    header = environ["HTTP_AUTHORIZATION"]
    assert refusal({**environ, "HTTP_AUTHORIZATION": f"AWS {KEY}:c2lnbmF0dXJl"}) == (BAD_REQUEST, "InvalidRequest")
    without_signature = header.partition(", Signature=")[0]
    assert refusal({**environ, "HTTP_AUTHORIZATION": without_signature}) == (
        BAD_REQUEST,
        "AuthorizationHeaderMalformed",
    )
    no_scope = header.replace(f"Credential={KEY}/", f"Credential={KEY}-", 1)
    assert refusal({**environ, "HTTP_AUTHORIZATION": no_scope}) == (BAD_REQUEST, "AuthorizationHeaderMalformed")
    undated = {name: value for name, value in environ.items() if name != "HTTP_X_AMZ_DATE"}
    assert refusal(undated) == (BAD_REQUEST, "AccessDenied")

    query = presigned()["QUERY_STRING"]
    unsigned = "&".join(item for item in query.split("&") if not item.startswith("X-Amz-Signature="))
    assert refusal({**presigned(), "QUERY_STRING": unsigned}) == (BAD_REQUEST, "AuthorizationQueryParametersError")
    version_2 = f"AWSAccessKeyId={KEY}&Signature=c2lnbmF0dXJl&Expires=1746515289"
    assert refusal({**anonymous_get(), "QUERY_STRING": version_2}) == (BAD_REQUEST, "InvalidRequest")


def anonymous_get() -> dict[str, Any]:
    return {"REQUEST_METHOD": "GET", "PATH_INFO": "/bucket/a", "RAW_URI": "/bucket/a", "HTTP_HOST": "127.0.0.1:9000"}


def test_root_credentials_are_minios() -> None:
    assert standin.root_credentials({"MINIO_ROOT_USER": "user", "MINIO_ROOT_PASSWORD": "password"}) == (
        "user",
        "password",
    )
    assert standin.root_credentials({}) == ("minioadmin", "minioadmin")  # MinIO's default
    with pytest.raises(SystemExit):
        standin.root_credentials({"MINIO_ROOT_USER": "user"})


def call(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> tuple[str, bytes]:
    answered: list[str] = []
    body = b"".join(app(environ, lambda status, headers: answered.append(status)))
    return answered[0], body


def test_the_middleware_answers_refusals_itself_with_minios_error_document(tmp_path: Path) -> None:
    reached: list[str] = []

    def moto(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        reached.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"from moto"]

    app = standin.StateKeeper(tmp_path).middleware(moto, standin.Users(tmp_path, (KEY, SECRET)))
    now = datetime.now(UTC)
    assert call(app, {**anonymous_get(), "PATH_INFO": "/minio/health/ready"}) == ("200 OK", b"")
    status, body = call(app, signed(path="/bucket/a&b", secret="not-the-secret", at=now))
    assert status == FORBIDDEN
    assert b"<Code>SignatureDoesNotMatch</Code>" in body
    assert b"<Message>The request signature we calculated does not match the signature you provided." in body
    assert b"<Resource>/bucket/a&amp;b</Resource>" in body
    assert call(app, {**anonymous_get(), "REQUEST_METHOD": "HEAD"}) == (FORBIDDEN, b"")
    assert reached == []
    assert call(app, signed(path="/bucket/a", at=now)) == ("200 OK", b"from moto")
    assert reached == ["/bucket/a"]


def test_every_version_of_a_key_is_saved() -> None:
    from moto.s3.utils import _VersionedKeyStore

    store = _VersionedKeyStore()
    store["dags/a.py"] = "first"
    store["dags/a.py"] = "second"
    store["dags/b.py"] = "only"
    restored = pickle.loads(pickle.dumps(store))
    assert restored.getlist("dags/a.py") == ["first", "second"]
    assert restored["dags/a.py"] == "second" and restored.getlist("dags/b.py") == ["only"]


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/", {}, [("s3:ListAllMyBuckets", "*")]),
        ("GET", "/b", {"list-type": "2", "prefix": "dags/"}, [("s3:ListBucket", "arn:aws:s3:::b")]),
        ("GET", "/b", {"versions": ""}, [("s3:ListBucketVersions", "arn:aws:s3:::b")]),
        ("HEAD", "/b", {}, [("s3:ListBucket", "arn:aws:s3:::b")]),
        ("GET", "/b", {"versioning": ""}, [("s3:GetBucketVersioning", "arn:aws:s3:::b")]),
        ("PUT", "/b", {}, [("s3:CreateBucket", "arn:aws:s3:::b")]),
        ("DELETE", "/b", {}, [("s3:DeleteBucket", "arn:aws:s3:::b")]),
        ("GET", "/b/dags/a%20b.py", {}, [("s3:GetObject", "arn:aws:s3:::b/dags/a b.py")]),
        ("GET", "/b/k", {"versionId": "v1"}, [("s3:GetObjectVersion", "arn:aws:s3:::b/k")]),
        ("HEAD", "/b/k", {}, [("s3:GetObject", "arn:aws:s3:::b/k")]),
        ("GET", "/b/k", {"tagging": "", "versionId": "v"}, [("s3:GetObjectVersionTagging", "arn:aws:s3:::b/k")]),
        ("PUT", "/b/k", {}, [("s3:PutObject", "arn:aws:s3:::b/k")]),
        ("PUT", "/b/k", {"partNumber": "1", "uploadId": "u"}, [("s3:PutObject", "arn:aws:s3:::b/k")]),
        ("POST", "/b/k", {"uploads": ""}, [("s3:PutObject", "arn:aws:s3:::b/k")]),
        ("DELETE", "/b/k", {"uploadId": "u"}, [("s3:AbortMultipartUpload", "arn:aws:s3:::b/k")]),
        ("DELETE", "/b/k", {}, [("s3:DeleteObject", "arn:aws:s3:::b/k")]),
        ("DELETE", "/b/k", {"versionId": "v"}, [("s3:DeleteObjectVersion", "arn:aws:s3:::b/k")]),
    ],
)
def test_each_request_needs_the_action_s3_names_for_it(
    method: str, path: str, query: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    assert access.needed(method, path, query, {}) == expected


def test_a_copy_also_reads_its_source_and_a_batch_delete_deletes_each_key() -> None:
    copy = access.needed("PUT", "/b/new", {}, {"HTTP_X_AMZ_COPY_SOURCE": "/other/old%20key?versionId=v1"})
    assert copy == [("s3:PutObject", "arn:aws:s3:::b/new"), ("s3:GetObjectVersion", "arn:aws:s3:::other/old key")]
    body = b'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a</Key></Object><Object><Key>b/c</Key></Object></Delete>'
    assert access.delete_keys(body) == ["a", "b/c"]
    assert access.delete_keys(b"<not xml") == []


def test_a_users_policy_decides_and_the_users_survive_a_restart(tmp_path: Path) -> None:
    from minio.crypto import encrypt

    users = access.Users(tmp_path, (KEY, SECRET))
    users.admin(KEY, "PUT", "add-user", "accessKey=ASIAUSER", encrypt(b'{"status":"enabled","secretKey":"s"}', SECRET))
    policy = {"Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}]}
    users.admin(KEY, "PUT", "add-canned-policy", "name=p", json.dumps(policy).encode())
    with pytest.raises(access.Refused, match="Access Denied"):
        users.authorize("ASIAUSER", [("s3:GetObject", "arn:aws:s3:::b/k")])  # no policy set yet
    users.admin(KEY, "PUT", "set-user-or-group-policy", "policyName=p&userOrGroup=ASIAUSER&isGroup=false", b"")

    again = access.Users(tmp_path, (KEY, SECRET))
    assert again.secret_of("ASIAUSER") == "s" and again.secret_of(KEY) == SECRET
    again.authorize("ASIAUSER", [("s3:GetObject", "arn:aws:s3:::b/k")])
    again.authorize(KEY, [("s3:DeleteBucket", "arn:aws:s3:::b")])  # the root may do anything
    for pairs in ([("s3:PutObject", "arn:aws:s3:::b/k")], [("s3:GetObject", "arn:aws:s3:::other/k")]):
        with pytest.raises(access.Refused) as refused:
            again.authorize("ASIAUSER", pairs)
        assert (refused.value.status, refused.value.code) == (FORBIDDEN, "AccessDenied")
    with pytest.raises(access.Refused) as refused:
        again.admin("ASIAUSER", "PUT", "add-canned-policy", "name=mine", json.dumps(policy).encode())
    assert refused.value.code == "AccessDenied"
    with pytest.raises(access.Refused) as refused:
        again.admin(KEY, "PUT", "add-canned-policy", "name=bad", b'{"Statement": [{"Effect": "Maybe"}]}')
    assert refused.value.code == "XMinioMalformedIAMPolicy"
