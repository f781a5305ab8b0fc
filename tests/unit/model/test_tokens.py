"""CLI and web-login tokens: issued by the control plane, accepted by one environment's edge
for 60 seconds, refused (saying why) when forged, expired, misdirected or of the wrong kind."""

from __future__ import annotations

import pytest

from emulator.model import tokens
from emulator.model.tokens import TokenRefused

pytestmark = pytest.mark.unit

KEY, OTHER_KEY = b"k" * 32, b"o" * 32
NOW = 1_800_000_000.0


def cli_token(**changes: object) -> str:
    values: dict[str, object] = {
        "key": KEY,
        "kind": "cli",
        "environment": "env1",
        "identity": "user/admin",
        "role": "Admin",
        "now": NOW,
    }
    values.update(changes)
    return tokens.issue(**values)  # type: ignore[arg-type]


def test_a_token_is_accepted_by_its_environment_for_sixty_seconds() -> None:
    claims = tokens.verify(KEY, cli_token(), "cli", "env1", NOW + 59)
    assert (claims.environment, claims.identity, claims.role, claims.expires) == (
        "env1",
        "user/admin",
        "Admin",
        NOW + 60,
    )
    assert cli_token() != cli_token(), "each token is unique"


@pytest.mark.parametrize(
    ("token", "key", "kind", "environment", "at", "message"),
    [
        (lambda: cli_token(), KEY, "cli", "env1", NOW + 61, "expired 1 s ago"),
        (lambda: cli_token(), OTHER_KEY, "cli", "env1", NOW, "signature is not valid"),
        (lambda: cli_token(key=OTHER_KEY), KEY, "cli", "env1", NOW, "signature is not valid"),
        (lambda: cli_token(environment="env2", key=OTHER_KEY), KEY, "cli", "env1", NOW, "signature is not valid"),
        (lambda: cli_token(), KEY, "web", "env1", NOW, "This is a cli token; this endpoint takes a web token."),
        (lambda: "no-dot-here", KEY, "cli", "env1", NOW, "malformed"),
        (lambda: "", KEY, "cli", "env1", NOW, "malformed"),
        (lambda: cli_token() + "é", KEY, "cli", "env1", NOW, "malformed"),
        (lambda: "é" + cli_token(), KEY, "cli", "env1", NOW, "malformed"),
    ],
    ids=[
        "expired",
        "other-key",
        "forged",
        "other-environment",
        "wrong-kind",
        "no-signature",
        "empty",
        "non-ascii-signature",
        "non-ascii-claims",
    ],
)
def test_a_token_is_refused_saying_why(
    token: object, key: bytes, kind: str, environment: str, at: float, message: str
) -> None:
    with pytest.raises(TokenRefused, match=message):
        tokens.verify(key, token(), kind, environment, at)  # type: ignore[operator]


def test_a_token_signed_for_one_environment_names_it_when_shown_to_another_with_the_same_key() -> None:
    with pytest.raises(TokenRefused, match=r"^The token is for environment env2, not env1\.$"):
        tokens.verify(KEY, cli_token(environment="env2"), "cli", "env1", NOW)


def test_changing_the_claims_breaks_the_signature() -> None:
    payload, _, signature = cli_token(role="Viewer").partition(".")
    forged = tokens.encode(tokens.decode(payload).replace(b"Viewer", b"Admin")) + "." + signature
    with pytest.raises(TokenRefused, match="signature is not valid"):
        tokens.verify(KEY, forged, "cli", "env1", NOW)
