"""Who may call the MWAA API: local principals, each an access key pair with an identity policy.

With no configuration there is one: the region's admin, whose keys `mwaa-local env` exports
(the same pair the S3 service takes) and whose policy allows `airflow:*` on everything. The
file `principals.json` in the state home adds more, e.g. a viewer:

    {"Principals": [{"Name": "viewer", "AccessKeyId": "AKIAVIEWER0000000001",
                     "SecretAccessKey": "…", "Policy": {"Version": "2012-10-17", "Statement": [
                       {"Effect": "Allow", "Action": "airflow:CreateWebLoginToken",
                        "Resource": "arn:aws:airflow:us-east-1:000000000000:role/*/Viewer"}]}}]}

The file is read again whenever it changes, so adding a principal needs no restart. Each
environment's execution role is a principal too (emulator/service/iam/roles.py): its containers
sign with its keys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.model.account import ACCOUNT_ID
from emulator.model.policy import ALLOW_ALL, Policy, PolicyError, parse

FILE_NAME = "principals.json"
ADMIN_NAME = "mwaa-local-admin"
_USER_NAME = re.compile(r"[\w+=,.@-]{1,64}")
_ACCESS_KEY = re.compile(r"[A-Za-z0-9]{16,128}")


@dataclass(frozen=True)
class Principal:
    """An IAM user, or (with `session`) an assumed role: an environment's execution role."""

    name: str
    access_key: str
    secret_key: str
    policy: Policy
    session: str | None = None

    @property
    def arn(self) -> str:
        if self.session is not None:
            return f"arn:aws:sts::{ACCOUNT_ID}:{self.identity}"
        return f"arn:aws:iam::{ACCOUNT_ID}:user/{self.name}"

    @property
    def identity(self) -> str:
        """As MWAA's IamIdentity names a caller: `user/<name>` or `assumed-role/<role>/<session>`."""
        if self.session is not None:
            return f"assumed-role/{self.name}/{self.session}"
        return f"user/{self.name}"


def admin(access_key: str, secret_key: str) -> Principal:
    return Principal(ADMIN_NAME, access_key, secret_key, ALLOW_ALL)


def read_file(path: Path, reserved_keys: frozenset[str] = frozenset()) -> dict[str, Principal]:
    """The file's principals by access key id; PolicyError naming the file and the entry at fault."""
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise PolicyError(f"{path} is not readable JSON: {error}") from error
    entries = document.get("Principals") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise PolicyError(f'{path}: expected {{"Principals": [ … ]}}.')
    found: dict[str, Principal] = {}
    for index, entry in enumerate(entries):
        principal = _principal(entry, f"{path} Principals[{index}]")
        if principal.access_key in found or principal.access_key in reserved_keys:
            raise PolicyError(f"{path} Principals[{index}]: AccessKeyId {principal.access_key} is already taken.")
        found[principal.access_key] = principal
    return found


def _principal(entry: Any, where: str) -> Principal:
    if not isinstance(entry, dict):
        raise PolicyError(f"{where}: a principal is an object with Name, AccessKeyId, SecretAccessKey and Policy.")
    name, key, secret = entry.get("Name"), entry.get("AccessKeyId"), entry.get("SecretAccessKey")
    if not isinstance(name, str) or not _USER_NAME.fullmatch(name) or name == ADMIN_NAME:
        raise PolicyError(
            f"{where}: Name must be an IAM user name (1-64 of letters, digits and +=,.@_-), not {ADMIN_NAME}."
        )
    if not isinstance(key, str) or not _ACCESS_KEY.fullmatch(key):
        raise PolicyError(f"{where}: AccessKeyId must be 16 to 128 letters and digits.")
    if not isinstance(secret, str) or len(secret) < 16:
        raise PolicyError(f"{where}: SecretAccessKey must be a string of at least 16 characters.")
    return Principal(name, key, secret, parse(entry.get("Policy"), f"{where} Policy"))


class Principals:
    """The admin (from the region's keys, read when asked), the file's principals (read again
    when the file changes) and the environments' execution roles (`role_of`, by access key)."""

    def __init__(
        self,
        admin_of: Callable[[], Principal],
        path: Path,
        role_of: Callable[[str], Principal | None] = lambda access_key: None,
    ) -> None:
        self._admin_of = admin_of
        self._role_of = role_of
        self.path = path
        self._seen: tuple[float, int] | None = None
        self._loaded: dict[str, Principal] = {}
        self._problem: PolicyError | None = None

    def find(self, access_key: str) -> Principal | None:
        """The principal owning `access_key`, None if nobody does; PolicyError when the file is
        broken and the key is not the admin's (the admin keeps working to fix things)."""
        chief = self._admin_of()
        if access_key == chief.access_key:
            return chief
        role = self._role_of(access_key)
        if role is not None:
            return role
        self._refresh(frozenset({chief.access_key}))
        if self._problem is not None:
            raise self._problem
        return self._loaded.get(access_key)

    def _refresh(self, reserved: frozenset[str]) -> None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._seen, self._loaded, self._problem = None, {}, None
            return
        seen = (stat.st_mtime, stat.st_size)
        if seen == self._seen:
            return
        self._seen = seen
        try:
            self._loaded, self._problem = read_file(self.path, reserved), None
        except PolicyError as error:
            self._loaded, self._problem = {}, error
