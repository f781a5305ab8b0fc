"""The suite's one polling helper: an exception means "not yet" unless the caller says otherwise."""

from __future__ import annotations

import time

import pytest

from tests.support import wait_for

pytestmark = pytest.mark.unit


def test_an_exception_means_not_yet_and_the_first_truthy_answer_is_returned() -> None:
    answers: list[object] = [LookupError("not there"), None, "found"]

    def check() -> object:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert wait_for(check, 5, "the answer", interval=0.01) == "found"


def test_the_timeout_names_what_was_awaited_and_the_last_reason() -> None:
    def check() -> None:
        raise LookupError("still missing")

    with pytest.raises(AssertionError, match=r"waiting for the thing \(last: LookupError\('still missing'\)\)"):
        wait_for(check, 0.05, "the thing", interval=0.01)


def test_an_exception_not_retried_ends_the_wait_at_once() -> None:
    def check() -> None:
        raise LookupError("gone for good")

    started = time.monotonic()
    with pytest.raises(LookupError, match="gone for good"):
        wait_for(check, 60, "the thing", interval=0.01, retrying=())
    assert time.monotonic() - started < 1
