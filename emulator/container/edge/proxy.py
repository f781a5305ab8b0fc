"""Everything on the WebserverUrl that is not MWAA's own (`/aws_mwaa/…`) goes to the
environment's web component as it came, streamed both ways: the UI, static files, the REST API,
log tails."""

from __future__ import annotations

from collections.abc import AsyncIterator
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

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
    """A client to the web servers that keeps no cookie: one browser's session must never ride
    along on another's request. Nor does it keep connections: each request resolves the service
    name anew, which spreads requests over the MinWebservers replicas and passes over one that
    stopped (a connection costs well under a millisecond on the compose network)."""
    refuse_all = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    client = httpx.AsyncClient(
        base_url=base_url,
        transport=transport,
        cookies=refuse_all,
        timeout=httpx.Timeout(timeout, connect=10.0),
        limits=httpx.Limits(max_keepalive_connections=0),
    )
    # Nothing of httpx's own on a forwarded request: its `Accept-Encoding: gzip` would have
    # Airflow compress the answer for a client (curl, say) that never asked for it.
    for name in ("accept", "accept-encoding", "user-agent"):
        del client.headers[name]
    return client


def forwarded_headers(request: Request) -> list[tuple[str, str]]:
    """The request's headers without hop-by-hop ones and without the client's own `Forwarded` /
    `X-Forwarded-*` (a client must not choose the address or host Airflow sees), then the edge's."""
    headers = [
        (name, value)
        for name, value in request.headers.items()
        if name.lower() not in HOP_BY_HOP
        and name.lower() != "forwarded"
        and not name.lower().startswith("x-forwarded-")
    ]
    client = request.client.host if request.client else ""
    return [
        *headers,
        ("x-forwarded-proto", request.url.scheme),
        ("x-forwarded-host", request.headers.get("host", "")),
        ("x-forwarded-for", client),
    ]


def request_body(request: Request) -> bytes | AsyncIterator[bytes]:
    """The body as it came, and none for a request that declared none. An empty stream would go
    out chunked; Airflow 2's gunicorn workers answer a GET without reading that body and close
    the connection with its last bytes unread, so the kernel resets it and the end of the answer
    can be lost (a browser saw a truncated stylesheet)."""
    if "content-length" in request.headers or "transfer-encoding" in request.headers:
        return request.stream()
    return b""


# Requests a web server may receive twice: a connection that failed before any answer is tried
# again once, so one reaching a web server just stopped (its socket still in the kernel's
# SO_REUSEPORT group for a moment) goes to another, as a load balancer passes over a dead target.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def send(client: httpx.AsyncClient, upstream: httpx.Request) -> httpx.Response:
    retry = upstream.method in SAFE_METHODS and not upstream.content
    try:
        return await client.send(upstream, stream=True)
    except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError):
        if not retry:
            raise
        return await client.send(upstream, stream=True)


def bad_request(why: str) -> Response:
    return PlainTextResponse(f"Bad Request: {why}", status_code=400)


async def forward(client: httpx.AsyncClient, request: Request) -> Response:
    path = request.url.path
    # `//host/x` would read as another host; a NUL or other control character is no path.
    if path.startswith("//") or any(ord(char) < 0x20 or char == "\x7f" for char in path):
        return bad_request("the path must start with a single / and hold no control character")
    try:
        upstream = client.build_request(
            request.method,
            # No query, no `?`: the path goes upstream as it came.
            httpx.URL(path=path, query=request.url.query.encode() or None),
            headers=forwarded_headers(request),
            content=request_body(request),
        )
    except httpx.InvalidURL as error:
        return bad_request(str(error))
    response = await send(client, upstream)
    headers = [(name, value) for name, value in response.headers.multi_items() if name.lower() not in HOP_BY_HOP]
    answer = StreamingResponse(
        response.aiter_raw(), status_code=response.status_code, background=BackgroundTask(response.aclose)
    )
    answer.raw_headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    return answer
