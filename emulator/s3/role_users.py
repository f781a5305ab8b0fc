"""Execution roles in the S3 service: a user per environment, holding the role's keys, with the
S3 part of the role's policy as its own (MinIO's admin API, which the offline stand-in serves
too). The S3 service then refuses what the role may not do, with S3's AccessDenied."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

import urllib3.exceptions
from minio.error import MinioAdminException
from minio.minioadmin import MinioAdmin

from emulator.model import execution_role
from emulator.model.errors import MwaaLocalError

HINT = "`mwaa-local status` shows the region; `mwaa-local up` starts it again."


def policy_name(environment: str) -> str:
    return f"mwaa-local-role-{environment}"


class RoleUsers:
    def __init__(self, admin: MinioAdmin, endpoint: str) -> None:
        self.admin = admin
        self.endpoint = endpoint

    def apply(self, environment: str, access_key: str, secret_key: str, policy: dict[str, Any]) -> None:
        """Create or update the environment's user and give it the S3 statements of `policy`."""
        name = policy_name(environment)
        try:
            self.admin.user_add(access_key, secret_key)
            self.admin.policy_add(name, policy=execution_role.s3_only(policy))
            self.admin.policy_set(name, user=access_key)
        except (MinioAdminException, urllib3.exceptions.HTTPError) as error:
            raise MwaaLocalError(
                f"The S3 service at {self.endpoint} refused environment {environment}'s execution role: {error}",
                hint=HINT,
            ) from error

    def remove(self, environment: str, access_key: str) -> None:
        """Remove the user and its policy; gone already is fine."""
        removals: list[Callable[[], str]] = [
            partial(self.admin.user_remove, access_key),
            partial(self.admin.policy_remove, policy_name(environment)),
        ]
        for remove in removals:
            try:
                remove()
            except MinioAdminException as error:
                if "NoSuch" not in str(error) and "404" not in str(error):
                    raise MwaaLocalError(
                        f"Removing environment {environment}'s S3 user failed: {error}", hint=HINT
                    ) from error


def fingerprint(access_key: str, policy: dict[str, Any]) -> str:
    """What was applied, to apply again only on a change."""
    return json.dumps([access_key, execution_role.s3_only(policy)], sort_keys=True)
