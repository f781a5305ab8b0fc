"""Bodies are refused past their door's limit without being read whole."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from emulator.model.request_size import RequestTooLarge, read_body


class Streamed:
    def __init__(self, chunks: list[bytes], headers: dict[str, str] | None = None) -> None:
        self.headers = headers or {}
        self.chunks = chunks
        self.read = 0

    async def stream(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.read += 1
            yield chunk


def test_a_body_within_the_limit_is_read() -> None:
    assert asyncio.run(read_body(Streamed([b"ab", b"cd"]), 4)) == b"abcd"


def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    request = Streamed([b"x" * 10], {"content-length": "10"})
    with pytest.raises(RequestTooLarge, match="larger than 4 bytes"):
        asyncio.run(read_body(request, 4))
    assert request.read == 0


def test_a_stream_is_cut_as_soon_as_it_passes_the_limit() -> None:
    request = Streamed([b"xxx", b"xxx", b"xxx", b"xxx"])  # chunked: no declared length
    with pytest.raises(RequestTooLarge):
        asyncio.run(read_body(request, 4))
    assert request.read == 2, "nothing read after the chunk that passed the limit"
