"""MWAA Serverless's NextToken: opaque to clients, the last key of the page to us."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import TypeVar

from emulator.model.serverless.errors import WorkflowValidationError

T = TypeVar("T")
TOKEN_VERSION = 1


def page(
    items: Sequence[T], key: Callable[[T], str], max_results: int, token: str | None
) -> tuple[list[T], str | None]:
    """The page after `token` (items sorted by `key`) and the token of the next, if any; a page
    continues after its last key, so later pages survive creates and deletes."""
    ordered = sorted(items, key=key)
    if token is not None:
        after = decode(token)
        ordered = [item for item in ordered if key(item) > after]
    chosen = ordered[:max_results]
    more = len(ordered) > max_results
    return chosen, encode(key(chosen[-1])) if more and chosen else None


def encode(after: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"v": TOKEN_VERSION, "after": after}).encode()).decode()


def decode(token: str) -> str:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if isinstance(data, dict) and data.get("v") == TOKEN_VERSION and isinstance(data.get("after"), str):
            return str(data["after"])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise WorkflowValidationError(
        f"Invalid NextToken '{token}': pass the NextToken of a previous response.", field="NextToken"
    )
