"""The NextToken of the region's list operations: opaque to clients, the last key of the page to
us, so later pages survive creates and deletes."""

from __future__ import annotations

import base64
import binascii
import json

TOKEN_VERSION = 1


def encode_token(after: str) -> str:
    data = json.dumps({"v": TOKEN_VERSION, "after": after}).encode()
    return base64.urlsafe_b64encode(data).decode()


def decode_token(token: str) -> str | None:
    """The key a NextToken continues after; None when it is not one of ours."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if isinstance(data, dict) and data.get("v") == TOKEN_VERSION and isinstance(data.get("after"), str):
        return str(data["after"])
    return None
