"""Waiting for something to happen: the one helper every polling loop of the host uses.

Outside the layers (it imports nothing of the package), so any layer may use it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll(check: Callable[[float], T | None], timeout: float, interval: float) -> T | None:
    """Call `check(seconds waited so far)` every `interval` seconds until it returns something
    other than None, and return that; None once `timeout` seconds have passed. A check that must
    end the wait otherwise (a failure, a timeout of its own with a better message) raises."""
    started = time.monotonic()
    while True:
        waited = time.monotonic() - started
        found = check(waited)
        if found is not None:
            return found
        if waited >= timeout:
            return None
        time.sleep(interval)
