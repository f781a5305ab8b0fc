"""Init starts beside Postgres and waits for it itself: a database still starting is retried,
a wrong password or a database that never comes is an error (psycopg2 faked: no Airflow here)."""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

import pytest

pytestmark = pytest.mark.unit


class OperationalError(Exception):
    pass


class Connection:
    autocommit = False


def airflow_init(monkeypatch: pytest.MonkeyPatch, answers: list[Exception | Connection]) -> Any:
    calls: list[str] = []

    def connect(url: str, connect_timeout: int) -> Connection:
        calls.append(url)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    fake = types.SimpleNamespace(OperationalError=OperationalError, connect=connect)
    monkeypatch.setitem(sys.modules, "psycopg2", fake)
    monkeypatch.setitem(sys.modules, "werkzeug", types.ModuleType("werkzeug"))
    monkeypatch.setitem(sys.modules, "werkzeug.security", types.SimpleNamespace(check_password_hash=None))
    monkeypatch.delitem(sys.modules, "emulator.container.runtime.airflow_init", raising=False)
    monkeypatch.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "postgresql+psycopg2://airflow:pw@postgres/airflow")
    module = importlib.import_module("emulator.container.runtime.airflow_init")
    monkeypatch.setattr(module.time, "sleep", lambda _seconds: None)
    module.calls = calls
    return module


def test_a_database_still_starting_is_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    ready = Connection()
    refused = OperationalError("connection refused")
    module = airflow_init(monkeypatch, [refused, refused, ready])
    assert module.connect() is ready
    assert ready.autocommit is True
    assert module.calls == ["postgresql://airflow:pw@postgres/airflow"] * 3


def test_a_wrong_password_fails_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    module = airflow_init(monkeypatch, [OperationalError("password authentication failed for user"), Connection()])
    with pytest.raises(OperationalError, match="password authentication failed"):
        module.connect()
    assert len(module.calls) == 1


def test_a_database_that_never_comes_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    module = airflow_init(monkeypatch, [OperationalError("connection refused")] * 3)
    with pytest.raises(OperationalError, match="connection refused"):
        module.connect(wait=-1)
    assert len(module.calls) == 1
