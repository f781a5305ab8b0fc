"""How large a request each door reads, and reading no more than that: a body is refused from
its declared length, or as soon as its stream passes the limit, never read whole first (a
100 MiB post to the login page grew the edge by 300 MiB)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Protocol

# The MWAA API, and InvokeRestApi's leg on the edge: AWS's services take requests up to 10 MiB.
API_REQUEST_BYTES = 10 * 1024 * 1024
# `/aws_mwaa/cli`: one command line. MWAA documents no limit; this one keeps a request sane.
CLI_REQUEST_BYTES = 64 * 1024
# The web login form: a token of well under a kilobyte.
LOGIN_REQUEST_BYTES = 16 * 1024


class RequestTooLarge(ValueError):
    """A body over its door's limit (the message says the limit)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than {limit} bytes.")
        self.limit = limit


class StreamedRequest(Protocol):
    """What a body is read from (Starlette's Request is one)."""

    @property
    def headers(self) -> Mapping[str, str]: ...

    def stream(self) -> AsyncIterator[bytes]: ...


async def read_body(request: StreamedRequest, limit: int) -> bytes:
    """The body, RequestTooLarge past `limit` bytes: from Content-Length before reading, else
    while the stream comes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestTooLarge(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)
