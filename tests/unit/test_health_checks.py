"""Health checks run every few seconds in every container: they must stay cheap to start."""

from __future__ import annotations

import subprocess
import sys

import pytest

from emulator.api.backend import InMemoryOperations
from emulator.api.server import ServerThread
from emulator.control import health
from emulator.stack.ports import free_port
from tests.unit.api_access import access_for_tests

pytestmark = pytest.mark.unit


def modules_loaded_by(code: str) -> set[str]:
    finished = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}\nprint(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(finished.stdout.split())


def test_a_component_health_check_loads_none_of_the_components_modules() -> None:
    loaded = modules_loaded_by(
        "from emulator.runtime.__main__ import main\ntry:\n    main(['health', 'sync'])\nexcept Exception:\n    pass"
    )
    assert "emulator.runtime.health" in loaded
    heavy = {"emulator.runtime.components", "emulator.runtime.configuration", "packaging.requirements"}
    assert not heavy & loaded, heavy & loaded


def test_the_control_plane_health_check_loads_neither_the_server_nor_botocore() -> None:
    loaded = modules_loaded_by("import emulator.control.health")
    assert not {"botocore", "docker", "starlette", "emulator.api.server"} & loaded


def test_the_control_plane_health_check_is_unhealthy_when_nothing_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health, "PORT", free_port())
    assert health.healthy() is False


def test_the_control_plane_health_check_takes_the_refusal_of_an_unsigned_request_as_an_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with ServerThread(InMemoryOperations(), access_for_tests()) as server:
        monkeypatch.setattr(health, "PORT", server.port)
        assert health.healthy() is True
