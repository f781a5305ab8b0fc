"""Locks a command holds while it changes an environment or the region (flock on a file)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from emulator.model.errors import StateError

POLL_SECONDS = 0.1


@contextlib.contextmanager
def locked(path: Path, timeout: float, busy: str) -> Iterator[None]:
    """Hold an exclusive flock on `path` (created if need be), waiting at most `timeout` seconds."""
    descriptor = _acquire(path, time.monotonic() + timeout, f"{busy} (waited {timeout:g}s for it to finish).")
    try:
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _acquire(path: Path, deadline: float, busy: str) -> int:
    while True:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise StateError(
                            busy, hint="Let that command finish (or stop it), then run this one again."
                        ) from None
                    time.sleep(POLL_SECONDS)
        except BaseException:
            os.close(descriptor)
            raise
        if _is_current(descriptor, path):
            return descriptor
        # The file was deleted while this command waited for it: lock the one there now.
        os.close(descriptor)


def _is_current(descriptor: int, path: Path) -> bool:
    try:
        now = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(descriptor)
    return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)


@contextlib.contextmanager
def shared(path: Path) -> Iterator[None]:
    """Hold a shared flock on `path`: any number of holders at once; waits while `unused` holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH)
        yield
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def unused(path: Path) -> Iterator[bool]:
    """Whether nobody holds `path` shared, asked without waiting; while True, nobody can take it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            free = False
        else:
            free = True
        yield free
    finally:
        os.close(descriptor)
