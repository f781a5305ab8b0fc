"""The short-lived tokens the control plane hands out and an environment's edge accepts:
CreateCliToken's CliToken and CreateWebLoginToken's WebToken (docs/reference.md §8, §9).

A token is `<claims>.<signature>`, both base64url: JSON claims (kind, environment, caller,
Airflow role, expiry, a nonce) signed with HMAC-SHA256 under the environment's own signing key,
which lives in its secrets and in no image. Valid for 60 seconds, for one environment and one
kind; the edge refuses anything else, saying why.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass

LIFETIME_SECONDS = 60
# cli: CreateCliToken's; web: CreateWebLoginToken's; rest: the control plane's own, for the
# InvokeRestApi call it makes to the edge on the caller's behalf.
KINDS = ("cli", "web", "rest")


class TokenRefused(ValueError):
    """A token the edge does not accept (the message says why, never what the key is)."""


@dataclass(frozen=True)
class Claims:
    kind: str  # "cli" | "web"
    environment: str
    identity: str  # the caller, as MWAA's IamIdentity names it (`user/<name>`)
    role: str  # the Airflow role the caller acts as (web login, REST)
    expires: float  # epoch seconds
    nonce: str


def encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: bytes, payload: str) -> str:
    return encode(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def issue(key: bytes, kind: str, environment: str, identity: str, role: str, now: float) -> str:
    claims = Claims(kind, environment, identity, role, now + LIFETIME_SECONDS, secrets.token_urlsafe(12))
    payload = encode(json.dumps(asdict(claims), separators=(",", ":")).encode())
    return f"{payload}.{sign(key, payload)}"


def verify(key: bytes, token: str, kind: str, environment: str, now: float) -> Claims:
    """The token's claims when it is genuine, of this kind, for this environment and not expired."""
    payload, dot, signature = token.strip().partition(".")
    # A token is base64url and a dot: anything else (a non-ASCII character would make the
    # comparison below raise instead of refuse) is malformed.
    if not dot or not payload or not signature or not token.isascii():
        raise TokenRefused("The token is malformed.")
    if not hmac.compare_digest(sign(key, payload), signature):
        raise TokenRefused("The token's signature is not valid for this environment.")
    try:
        claims = Claims(**json.loads(decode(payload)))
    except (ValueError, TypeError) as error:
        raise TokenRefused("The token is malformed.") from error
    if claims.environment != environment:
        raise TokenRefused(f"The token is for environment {claims.environment}, not {environment}.")
    if claims.kind != kind:
        raise TokenRefused(f"This is a {claims.kind} token; this endpoint takes a {kind} token.")
    if claims.expires <= now:
        raise TokenRefused(f"The token expired {now - claims.expires:.0f} s ago (tokens last {LIFETIME_SECONDS} s).")
    return claims


class OnceOnly:
    """Tokens already used (a web login token works once): their nonces until they expire."""

    def __init__(self) -> None:
        self.used: dict[str, float] = {}

    def spend(self, claims: Claims, now: float) -> None:
        self.used = {nonce: expires for nonce, expires in self.used.items() if expires > now}
        if claims.nonce in self.used:
            raise TokenRefused("The token was already used: a web login token works once.")
        self.used[claims.nonce] = claims.expires


def bearer(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None for any other header."""
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
