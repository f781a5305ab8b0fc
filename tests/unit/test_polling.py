"""The one polling helper: the check's first answer, None after the timeout, a raise stops it."""

from __future__ import annotations

import pytest

from emulator import polling


def test_poll_returns_the_first_answer_and_passes_the_time_waited(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([0.0, 0.0, 1.0, 2.0])
    monkeypatch.setattr(polling.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(polling.time, "sleep", lambda seconds: None)
    seen: list[float] = []

    def check(waited: float) -> str | None:
        seen.append(waited)
        return "ready" if waited >= 2.0 else None

    assert polling.poll(check, 10.0, 1.0) == "ready"
    assert seen == [0.0, 1.0, 2.0]


def test_poll_gives_none_after_the_timeout_and_a_check_may_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = iter([0.0, 0.0, 1.0, 2.0, 3.0, 0.0, 0.0])
    monkeypatch.setattr(polling.time, "monotonic", lambda: next(ticks))
    slept: list[float] = []
    monkeypatch.setattr(polling.time, "sleep", slept.append)
    assert polling.poll(lambda waited: None, 3.0, 0.5) is None
    assert slept == [0.5, 0.5, 0.5], "checked at 0, 1, 2 and 3 s, sleeping between"
    with pytest.raises(TimeoutError):
        polling.poll(lambda waited: (_ for _ in ()).throw(TimeoutError("mine")), 3.0, 0.5)


def test_a_falsy_answer_other_than_none_ends_the_wait() -> None:
    assert polling.poll(lambda waited: 0.0, 1.0, 0.1) == 0.0
