"""The image `parse` imports DAGs in: a new one only when what pip would install changes."""

from __future__ import annotations

from pathlib import Path

from emulator.docker.workspace_container import has_requirements, requirements_digest


def workspace_with(tmp_path: Path, requirements: str) -> Path:
    (tmp_path / "requirements.txt").write_text(requirements)
    return tmp_path


def test_only_a_requirement_line_needs_an_install(tmp_path: Path) -> None:
    assert not has_requirements(tmp_path)
    assert not has_requirements(workspace_with(tmp_path, "# nothing yet\n\n--find-links /usr/local/airflow/plugins\n"))
    assert has_requirements(workspace_with(tmp_path, "pyjokes==0.6.0\n"))


def test_the_digest_follows_requirements_the_base_image_and_plugins_packages(tmp_path: Path) -> None:
    workspace = workspace_with(tmp_path, "pyjokes==0.6.0\n")
    first = requirements_digest("sha256:a", workspace)
    assert requirements_digest("sha256:a", workspace) == first
    assert requirements_digest("sha256:b", workspace) != first
    (workspace / "plugins").mkdir()
    (workspace / "plugins" / "helpers.py").write_text("changed often, installs nothing")
    assert requirements_digest("sha256:a", workspace) == first
    (workspace / "plugins" / "pyjokes-0.6.0-py3-none-any.whl").write_bytes(b"wheel")
    with_wheel = requirements_digest("sha256:a", workspace)
    assert with_wheel != first
    (workspace / "requirements.txt").write_text("pyjokes==0.8.3\n")
    assert requirements_digest("sha256:a", workspace) not in (first, with_wheel)
