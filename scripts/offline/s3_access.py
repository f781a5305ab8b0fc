"""Users and policies of the offline S3 stand-in, as MinIO has them: the root user may do
anything; every other user is made through MinIO's admin API (the calls `MinioAdmin.user_add`,
`policy_add`, `policy_set`, `user_remove` and `policy_remove` make) and may do what its policy
allows, evaluated by mwaa-local's own IAM policy module (emulator/model/policy.py), the one the
MWAA API uses. Kept in `<data>/stand-in-users.json` so `down`/`up` keep them as MinIO does.

Requests are read path-style (`/bucket/key`), as mwaa-local's clients send them.
"""

from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote
from xml.etree import ElementTree

from minio.crypto import decrypt

from emulator.model.policy import Policy, PolicyError, parse

ADMIN_PREFIX = "/minio/admin/v3/"
USERS_FILE = "stand-in-users.json"
NOT_ALLOWED = ("403 Forbidden", "AccessDenied", "Access Denied.")

# The S3 action a request needs, by what it acts on and its method: the first query member
# found decides (MinIO and S3 name them alike); None is the plain request.
BUCKET_ACTIONS: dict[str, dict[str | None, str]] = {
    "GET": {
        "versions": "ListBucketVersions",
        "uploads": "ListBucketMultipartUploads",
        "location": "GetBucketLocation",
        "versioning": "GetBucketVersioning",
        "policy": "GetBucketPolicy",
        "tagging": "GetBucketTagging",
        "notification": "GetBucketNotification",
        "lifecycle": "GetLifecycleConfiguration",
        "acl": "GetBucketAcl",
        "object-lock": "GetBucketObjectLockConfiguration",
        "encryption": "GetEncryptionConfiguration",
        "cors": "GetBucketCORS",
        None: "ListBucket",
    },
    "HEAD": {None: "ListBucket"},
    "PUT": {
        "versioning": "PutBucketVersioning",
        "policy": "PutBucketPolicy",
        "tagging": "PutBucketTagging",
        "notification": "PutBucketNotification",
        "lifecycle": "PutLifecycleConfiguration",
        "acl": "PutBucketAcl",
        "object-lock": "PutBucketObjectLockConfiguration",
        "encryption": "PutEncryptionConfiguration",
        "cors": "PutBucketCORS",
        None: "CreateBucket",
    },
    "DELETE": {
        "policy": "DeleteBucketPolicy",
        "tagging": "PutBucketTagging",
        "lifecycle": "PutLifecycleConfiguration",
        "cors": "PutBucketCORS",
        "encryption": "PutEncryptionConfiguration",
        None: "DeleteBucket",
    },
    "POST": {"delete": "DeleteObject", None: "PutObject"},
}
OBJECT_ACTIONS: dict[str, dict[str | None, str]] = {
    "GET": {
        "tagging": "GetObjectTagging",
        "acl": "GetObjectAcl",
        "uploadId": "ListMultipartUploadParts",
        "attributes": "GetObjectAttributes",
        "retention": "GetObjectRetention",
        "legal-hold": "GetObjectLegalHold",
        "versionId": "GetObjectVersion",
        None: "GetObject",
    },
    "PUT": {
        "tagging": "PutObjectTagging",
        "acl": "PutObjectAcl",
        "retention": "PutObjectRetention",
        "legal-hold": "PutObjectLegalHold",
        None: "PutObject",
    },
    "POST": {"restore": "RestoreObject", "select": "GetObject", None: "PutObject"},
    "DELETE": {
        "uploadId": "AbortMultipartUpload",
        "tagging": "DeleteObjectTagging",
        "versionId": "DeleteObjectVersion",
        None: "DeleteObject",
    },
}
OBJECT_ACTIONS["HEAD"] = OBJECT_ACTIONS["GET"]


class Refused(Exception):
    def __init__(self, status: str, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def needed(method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str]) -> list[tuple[str, str]]:
    """The (action, resource ARN) pairs a path-style request needs. A copy also reads its
    source; a multi-object delete (`POST ?delete`, its keys in `body` order) is checked where
    the caller passes the keys in (`delete_keys`)."""
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    if not bucket:
        return [("s3:ListAllMyBuckets", "*")]
    table = OBJECT_ACTIONS if key else BUCKET_ACTIONS
    choices = table.get(method, {None: "*"})
    chosen = next((action for member, action in choices.items() if member is not None and member in query), None)
    if key and method == "GET" and "versionId" in query and chosen == "GetObjectTagging":
        chosen = "GetObjectVersionTagging"
    action = chosen or choices[None]
    resource = f"arn:aws:s3:::{bucket}/{key}" if key else f"arn:aws:s3:::{bucket}"
    pairs = [(f"s3:{action}", resource)]
    source = headers.get("HTTP_X_AMZ_COPY_SOURCE")
    if key and method == "PUT" and source:
        source_path, _, source_query = unquote(source).partition("?")
        read = "s3:GetObjectVersion" if "versionId=" in source_query else "s3:GetObject"
        pairs.append((read, f"arn:aws:s3:::{source_path.lstrip('/')}"))
    return pairs


def delete_keys(body: bytes) -> list[str]:
    """The keys of a DeleteObjects request's XML body."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return []
    return [element.text or "" for element in root.iter() if element.tag.rsplit("}", 1)[-1] == "Key"]


class _Body(io.BytesIO):
    """A request body as minio's decrypt reads a response."""

    def release_conn(self) -> None:
        pass


class Users:
    """The root user, and the users and canned policies made through the admin API."""

    def __init__(self, directory: Path, root: tuple[str, str]) -> None:
        self.path = directory / USERS_FILE
        self.root_key, self.root_secret = root
        self.lock = threading.Lock()
        self.secrets: dict[str, str] = {}
        self.attached: dict[str, str] = {}  # user → policy name
        self.documents: dict[str, Any] = {}  # policy name → document
        self._parsed: dict[str, Policy] = {}
        if self.path.exists():
            saved = json.loads(self.path.read_text())
            self.secrets, self.attached, self.documents = saved["secrets"], saved["attached"], saved["documents"]

    def secret_of(self, access_key: str) -> str | None:
        if access_key == self.root_key:
            return self.root_secret
        return self.secrets.get(access_key)

    def authorize(self, access_key: str, pairs: list[tuple[str, str]]) -> None:
        """Refused (S3's AccessDenied) unless the user's policy allows every pair."""
        if access_key == self.root_key:
            return
        name = self.attached.get(access_key)
        policy = self._policy(name) if name else None
        if policy is None or not all(policy.allows(action, resource) for action, resource in pairs):
            raise Refused(*NOT_ALLOWED)

    def _policy(self, name: str) -> Policy | None:
        if name not in self._parsed and name in self.documents:
            self._parsed[name] = parse(self.documents[name], f"policy {name}")
        return self._parsed.get(name)

    def admin(self, access_key: str, method: str, command: str, query_string: str, body: bytes) -> None:
        """One admin API call (the root user's only); Refused with MinIO's answer otherwise."""
        if access_key != self.root_key:
            raise Refused(*NOT_ALLOWED)
        query = dict(parse_qsl(query_string, keep_blank_values=True))
        with self.lock:
            if (method, command) == ("PUT", "add-user"):
                plain = json.loads(decrypt(_Body(body), self.root_secret))  # type: ignore[arg-type]
                self.secrets[query["accessKey"]] = plain["secretKey"]
            elif (method, command) == ("DELETE", "remove-user"):
                if self.secrets.pop(query.get("accessKey", ""), None) is None:
                    raise Refused("404 Not Found", "XMinioAdminNoSuchUser", "The specified user does not exist.")
                self.attached.pop(query["accessKey"], None)
            elif (method, command) == ("PUT", "add-canned-policy"):
                document = json.loads(body)
                try:
                    parse(document, f"policy {query.get('name')}")
                except PolicyError as error:
                    raise Refused("400 Bad Request", "XMinioMalformedIAMPolicy", error.message) from error
                self.documents[query["name"]] = document
                self._parsed.pop(query["name"], None)
            elif (method, command) == ("DELETE", "remove-canned-policy"):
                if self.documents.pop(query.get("name", ""), None) is None:
                    raise Refused("404 Not Found", "XMinioAdminNoSuchPolicy", "The canned policy does not exist.")
                self._parsed.pop(query["name"], None)
            elif (method, command) == ("PUT", "set-user-or-group-policy") and query.get("isGroup") == "false":
                if query.get("userOrGroup") not in self.secrets:
                    raise Refused("404 Not Found", "XMinioAdminNoSuchUser", "The specified user does not exist.")
                self.attached[query["userOrGroup"]] = query["policyName"]
            else:
                raise Refused("501 Not Implemented", "NotImplemented", f"The stand-in does not serve {command}.")
            self._save()

    def _save(self) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(
            json.dumps({"secrets": self.secrets, "attached": self.attached, "documents": self.documents})
        )
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.path)
