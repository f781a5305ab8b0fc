"""The edge's side of the warm Airflow runner (emulator/container/edge/runner.py): one request per
connection over its Unix socket, with a bound on how many run at once."""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class RunnerBusy(RuntimeError):
    """Every slot stayed taken for as long as a request may wait."""


class RunnerUnavailable(RuntimeError):
    """The runner is not (yet) listening, or it dropped the request."""


@dataclass(frozen=True)
class Outcome:
    exit: int
    stdout: bytes
    stderr: bytes


class RunnerClient:
    def __init__(self, socket_path: Path, concurrency: int, queue_seconds: float, run_seconds: float) -> None:
        self.socket_path = socket_path
        self.slots = asyncio.Semaphore(concurrency)
        self.queue_seconds = queue_seconds
        self.run_seconds = run_seconds

    async def run(self, request: dict[str, Any]) -> Outcome:
        try:
            await asyncio.wait_for(self.slots.acquire(), self.queue_seconds)
        except TimeoutError as error:
            raise RunnerBusy(f"Every CLI slot was busy for {self.queue_seconds:g} s.") from error
        try:
            return await asyncio.wait_for(self._exchange(request), self.run_seconds)
        finally:
            self.slots.release()

    async def _exchange(self, request: dict[str, Any]) -> Outcome:
        try:
            reader, writer = await asyncio.open_unix_connection(str(self.socket_path), limit=64 * 1024 * 1024)
        except OSError as error:
            raise RunnerUnavailable("The environment's Airflow CLI is still starting; try again shortly.") from error
        try:
            writer.write(json.dumps(request).encode() + b"\n")
            await writer.drain()
            line = await reader.readline()
        except OSError:  # the connection reset: the command's process died
            line = b""
        finally:
            writer.close()
        if not line:
            raise RunnerUnavailable("The Airflow CLI process ended without an answer.")
        answer = json.loads(line)
        return Outcome(
            int(answer.get("exit", 1)),
            base64.b64decode(answer.get("stdout", "")),
            base64.b64decode(answer.get("stderr", "")),
        )
