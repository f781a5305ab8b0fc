"""Clear errors when Docker or Compose v2 is missing (the probes are faked)."""

import subprocess
from typing import Any

import pytest

from emulator.docker import engine as docker_engine
from emulator.model.errors import DockerUnavailableError


@pytest.fixture(autouse=True)
def fresh_probes() -> Any:
    docker_engine.client.cache_clear()
    docker_engine.compose_version.cache_clear()
    yield
    docker_engine.client.cache_clear()
    docker_engine.compose_version.cache_clear()


def fake_run(answers: dict[str, tuple[int, str]]) -> Any:
    def run(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        key = " ".join(command[:2]) if command[0] == "docker" else "legacy"
        code, out = answers[key]
        return subprocess.CompletedProcess(command, code, out, "")

    return run


def test_no_docker_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docker_engine.shutil, "which", lambda name: None)
    with pytest.raises(DockerUnavailableError, match="The docker command is not installed") as caught:
        docker_engine.client()
    assert "get-docker" in caught.value.hint


def test_engine_not_answering(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docker_engine.shutil, "which", lambda name: "/usr/bin/docker")
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(DockerUnavailableError, match="Cannot reach the Docker engine") as caught:
        docker_engine.client()
    assert "Start Docker" in caught.value.hint
    assert caught.value.exit_code == 3


def test_compose_v1_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docker_engine.shutil, "which", lambda name: "/usr/bin/docker-compose")
    monkeypatch.setattr(
        docker_engine.subprocess, "run", fake_run({"docker compose": (1, ""), "legacy": (0, "1.29.2\n")})
    )
    with pytest.raises(DockerUnavailableError, match=r"Found docker-compose 1\.29\.2, which is Compose v1") as caught:
        docker_engine.compose_version()
    assert "Compose v1 (docker-compose) is not supported" in caught.value.hint


def test_compose_too_old(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docker_engine.subprocess, "run", fake_run({"docker compose": (0, "v2.12.2\n")}))
    with pytest.raises(DockerUnavailableError, match=r"Docker Compose 2\.12\.2 is too old; mwaa-local needs 2\.20\.0"):
        docker_engine.compose_version()


def test_compose_v2_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docker_engine.subprocess, "run", fake_run({"docker compose": (0, "2.40.3\n")}))
    assert docker_engine.compose_version() == (2, 40, 3)


def test_only_the_engine_module_uses_the_sdk_and_only_it_and_compose_run_commands() -> None:
    """One way to call Docker: the SDK behind emulator/docker/engine.py, the compose CLI behind
    emulator/docker/compose.py (with engine's command); every other module calls those."""
    import ast
    from pathlib import Path

    folder = Path(docker_engine.__file__).parent
    for path in sorted(folder.glob("*.py")):
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
        }
        assert ("docker" in imported) == (path.name == "engine.py"), path.name
        assert ("subprocess" in imported) <= (path.name in ("engine.py", "compose.py")), path.name
