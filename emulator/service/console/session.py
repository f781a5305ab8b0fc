"""The console's sign-in: a principal's access key pair checked once, then a cookie naming its
access key id, signed with a key the control plane makes when it starts (a restart signs every
browser out) and valid for SESSION_HOURS, as an AWS console session expires."""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable

from emulator.model import tokens
from emulator.model.policy import PolicyError
from emulator.service.iam.principals import Principal, Principals

COOKIE = "mwaa_local_console"
SESSION_HOURS = 12
INVALID_KEYS = "The access key ID or secret access key is not valid."


class SignInError(Exception):
    """The keys do not belong to a principal, or the principals file cannot be read."""


class Sessions:
    def __init__(self, principals: Principals, clock: Callable[[], float] = time.time) -> None:
        self.principals = principals
        self.clock = clock
        self._key = secrets.token_bytes(32)

    def sign_in(self, access_key: str, secret_key: str) -> str:
        """The cookie value for the principal owning this key pair; SignInError otherwise."""
        principal = self._find(access_key.strip())
        if principal is None or not hmac.compare_digest(principal.secret_key.encode(), secret_key.strip().encode()):
            raise SignInError(INVALID_KEYS)
        expires = int(self.clock()) + SESSION_HOURS * 3600
        claim = f"{tokens.encode(principal.access_key.encode())}.{expires}"
        return f"{claim}.{self._signature(claim)}"

    def principal(self, cookie: str | None) -> Principal | None:
        """Who the cookie signs in, None when it is missing, forged, expired or names a principal
        that no longer exists (its keys changed or it left principals.json)."""
        if not cookie or not cookie.isascii() or cookie.count(".") != 2:
            return None
        claim, _, signature = cookie.rpartition(".")
        if not hmac.compare_digest(signature, self._signature(claim)):
            return None
        encoded, _, expires = claim.partition(".")
        if not expires.isdigit() or int(expires) <= self.clock():
            return None
        try:
            return self._find(tokens.decode(encoded).decode())
        except (SignInError, ValueError):
            return None

    def _find(self, access_key: str) -> Principal | None:
        try:
            return self.principals.find(access_key)
        except PolicyError as error:
            raise SignInError(f"{INVALID_KEYS} ({error})") from error

    def _signature(self, claim: str) -> str:
        return tokens.sign(self._key, claim)
