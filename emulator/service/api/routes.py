"""Starlette routes built from the operations of botocore's MWAA model (method + requestUri).

Paths match on the raw (still percent-encoded) path, so a label holds whatever the client
encoded, `/` included: the tag operations put a whole ARN, `%2F` and all, in one segment.
A label `{Name}` takes one segment, a greedy label `{Path+}` the rest of the path; each label is
URL-decoded once. (Starlette's own path convertors match the decoded path, which has lost
the difference between `/` and `%2F`.)
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from botocore.model import OperationModel
from starlette.datastructures import URLPath
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

Endpoint = Callable[[Request, OperationModel, dict[str, str]], Awaitable[Response]]
_LABEL = re.compile(r"\{(\w+)(\+?)\}")


@dataclass(frozen=True)
class UriTemplate:
    """A model requestUri: its path as a regular expression over the raw path, its labels (name →
    greedy), and the fixed query parameters some operations carry (e.g. `?tagging`)."""

    template: str
    pattern: re.Pattern[str]
    labels: dict[str, bool]
    fixed_query: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, request_uri: str) -> UriTemplate:
        path, _, query = request_uri.partition("?")
        parts: list[str] = []
        labels: dict[str, bool] = {}
        position = 0
        for label in _LABEL.finditer(path):
            parts.append(re.escape(path[position : label.start()]))
            name, greedy = label[1], bool(label[2])
            labels[name] = greedy
            parts.append(f"(?P<{name}>.+)" if greedy else f"(?P<{name}>[^/]+)")
            position = label.end()
        parts.append(re.escape(path[position:]))
        fixed = tuple(parse_qsl(query, keep_blank_values=True))
        return cls(path, re.compile("".join(parts)), labels, fixed)

    def match(self, raw_path: str, query: str) -> dict[str, str] | None:
        """The decoded labels when `raw_path` (and the query's fixed parameters) fit, else None."""
        found = self.pattern.fullmatch(raw_path)
        if found is None:
            return None
        if self.fixed_query:
            given = parse_qsl(query, keep_blank_values=True)
            if any(pair not in given for pair in self.fixed_query):
                return None
        return {name: unquote(value) for name, value in found.groupdict().items()}

    def expand(self, labels: dict[str, Any]) -> str:
        def value(label: re.Match[str]) -> str:
            return quote(str(labels[label[1]]), safe="/" if label[2] else "")

        return _LABEL.sub(value, self.template)


class OperationRoute(BaseRoute):
    """The route of one MWAA operation: matches its method and path, hands the request, the
    operation and the decoded labels to `endpoint`."""

    def __init__(self, operation: OperationModel, endpoint: Endpoint) -> None:
        self.operation = operation
        self.method = str(operation.http["method"]).upper()
        self.uri = UriTemplate.parse(str(operation.http["requestUri"]))
        self.endpoint = endpoint

    @property
    def name(self) -> str:
        return str(self.operation.name)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"].upper() != self.method:
            return Match.NONE, {}
        raw = scope.get("raw_path")
        raw_path = raw.decode("latin-1").partition("?")[0] if raw else quote(scope["path"])
        labels = self.uri.match(raw_path, scope.get("query_string", b"").decode("latin-1"))
        if labels is None:
            return Match.NONE, {}
        return Match.FULL, {"path_params": labels, "endpoint": self.endpoint}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if name != self.name or set(path_params) != set(self.uri.labels):
            raise NoMatchFound(name, path_params)
        return URLPath(path=self.uri.expand(path_params), protocol="http")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self.endpoint(request, self.operation, dict(scope["path_params"]))
        await response(scope, receive, send)

    def __repr__(self) -> str:
        return f"OperationRoute({self.name}: {self.method} {self.uri.template})"
