"""Everything on the WebserverUrl that is not MWAA's own (`/aws_mwaa/…`) goes to the
environment's web component as it came: the UI, static files, the REST API, log tails.

Small answers to idempotent requests (pages, static files, API reads) are read whole before the
browser gets a byte, and asked for again when the web component drops the connection midway, as
nginx's buffering and `proxy_next_upstream` do: Airflow 2's gunicorn workers can, and the browser
then saw a truncated stylesheet. Anything else streams both ways, unbuffered."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

LOG = logging.getLogger(__name__)
RETRIED_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BUFFERED_LIMIT = 4 * 1024 * 1024  # bytes of a declared Content-Length read whole
ATTEMPTS = 3

# Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection, never forwarded.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


def stateless_client(
    base_url: str, transport: httpx.AsyncBaseTransport | None = None, timeout: float = 300.0
) -> httpx.AsyncClient:
    """A client to the web component that keeps no cookie: one browser's session must never ride
    along on another's request."""
    refuse_all = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    return httpx.AsyncClient(
        base_url=base_url, transport=transport, cookies=refuse_all, timeout=httpx.Timeout(timeout, connect=10.0)
    )


def forwarded_headers(request: Request) -> list[tuple[str, str]]:
    headers = [(name, value) for name, value in request.headers.items() if name.lower() not in HOP_BY_HOP]
    client = request.client.host if request.client else ""
    return [
        *headers,
        ("x-forwarded-proto", request.url.scheme),
        ("x-forwarded-host", request.headers.get("host", "")),
        ("x-forwarded-for", client),
    ]


def _upstream(client: httpx.AsyncClient, request: Request, content: bytes | AsyncIterator[bytes]) -> httpx.Request:
    return client.build_request(
        request.method,
        httpx.URL(path=request.url.path, query=request.url.query.encode()),
        headers=forwarded_headers(request),
        content=content,
    )


def _with_headers(answer: Response, upstream: httpx.Response) -> Response:
    kept = [(name, value) for name, value in upstream.headers.multi_items() if name.lower() not in HOP_BY_HOP]
    answer.raw_headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in kept]
    return answer


def _streamed(upstream: httpx.Response) -> Response:
    answer = StreamingResponse(
        upstream.aiter_raw(), status_code=upstream.status_code, background=BackgroundTask(upstream.aclose)
    )
    return _with_headers(answer, upstream)


def _small(upstream: httpx.Response) -> bool:
    declared = upstream.headers.get("content-length", "")
    return declared.isdigit() and int(declared) <= BUFFERED_LIMIT


async def forward(client: httpx.AsyncClient, request: Request) -> Response:
    """The web component's answer; raises httpx.TransportError when it gives none."""
    if request.method not in RETRIED_METHODS:
        return _streamed(await client.send(_upstream(client, request, request.stream()), stream=True))
    body = await request.body()
    for attempt in range(1, ATTEMPTS + 1):
        upstream = await client.send(_upstream(client, request, body), stream=True)
        if not _small(upstream):
            return _streamed(upstream)
        try:
            # Raw bytes: the browser decodes what the web component encoded.
            content = b"".join([chunk async for chunk in upstream.aiter_raw()])
        except httpx.TransportError as error:
            if attempt == ATTEMPTS:
                raise
            LOG.warning(
                "%s %s: the web server dropped its answer (%s); asking again", request.method, request.url.path, error
            )
            continue
        finally:
            await upstream.aclose()
        return _with_headers(Response(content, status_code=upstream.status_code), upstream)
    raise AssertionError("unreachable: the last attempt returns or raises")
