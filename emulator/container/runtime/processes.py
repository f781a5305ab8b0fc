"""Running a child process with its output streamed line by line and a time limit."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable
from typing import IO

Emit = Callable[[str], None]


def _pump(stream: IO[bytes], emit: Emit) -> None:
    for raw in iter(stream.readline, b""):
        emit(raw.decode(errors="replace").rstrip("\n"))


def run_streaming(
    arguments: list[str], environment: dict[str, str], emit: Emit, time_limit: float, cwd: str | None = None
) -> int | None:
    """The exit code, or None when the time limit ran out (the process and its children are killed)."""
    process = subprocess.Popen(
        arguments,
        env=environment,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a timeout kills whatever the process started, too
    )
    assert process.stdout is not None
    reader = threading.Thread(target=_pump, args=(process.stdout, emit), daemon=True)
    reader.start()
    try:
        code: int | None = process.wait(timeout=time_limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        code = None
    reader.join(timeout=5)
    return code
