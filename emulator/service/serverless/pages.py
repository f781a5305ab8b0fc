"""MWAA Serverless's NextToken: opaque to clients, the last key of the page to us."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from emulator.model.page_tokens import decode_token, encode_token
from emulator.model.serverless.errors import WorkflowValidationError

T = TypeVar("T")


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
    return chosen, encode_token(key(chosen[-1])) if more and chosen else None


def decode(token: str) -> str:
    after = decode_token(token)
    if after is None:
        raise WorkflowValidationError(
            f"Invalid NextToken '{token}': pass the NextToken of a previous response.", field="NextToken"
        )
    return after
