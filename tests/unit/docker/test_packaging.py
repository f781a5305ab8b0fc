"""An installed wheel carries what `up` needs, and the image is built from an assembled context
that hashes exactly as the checkout does (no Docker; builds the wheel with pip)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from emulator.docker.build import assemble_context, build_hash, build_inputs, context_folder, image_files
from emulator.model.errors import MwaaLocalError
from emulator.state.settings import PROJECT_ROOT, Paths, project_paths

DATA_FILES = (
    "compose/environment.yaml",
    "compose/region.yaml",
    "compose/no-extra-ca.pem",
    "Dockerfile",
    ".dockerignore",
    "scripts/docker/pip-install",
)
VERSIONS = ("3.3.1", "2.10.3")
ARGS = ("3.12", "mwaa-local-offline/python:3.12-slim-bookworm")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(PROJECT_ROOT)],
        check=True,
        capture_output=True,
        cwd=out,
    )
    (found,) = out.glob("mwaa_local-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel unpacked as pip lays it out: <site-packages>/emulator/… (modes kept)."""
    site = tmp_path_factory.mktemp("site-packages")
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            target = Path(archive.extract(info, site))
            if (info.external_attr >> 16) & 0o111:
                target.chmod(0o755)
    return site


@pytest.fixture
def compiled(installed: Path) -> Iterator[Path]:
    """Bytecode beside the installed sources, as pip writes it: never part of the image."""
    cache = installed / "emulator" / "container" / "runtime" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "health.cpython-311.pyc").write_bytes(b"\0bytecode")
    yield installed
    (cache / "health.cpython-311.pyc").unlink()


def test_the_wheel_carries_the_compose_files_build_files_and_versions_data(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        entries = {info.filename: info for info in archive.infolist()}
    for name in DATA_FILES:
        entry = entries.get(f"emulator/_data/{name}")
        assert entry is not None, name
        with zipfile.ZipFile(wheel) as archive:
            assert archive.read(entry) == (PROJECT_ROOT / name).read_bytes(), name
    assert (entries["emulator/_data/scripts/docker/pip-install"].external_attr >> 16) & 0o111, "stays executable"
    for version in VERSIONS:
        for name in ("airflow-constraints.txt", "mwaa-base-packages.txt", "mwaa-essential-constraints.txt"):
            assert f"emulator/model/versions/data/{version}/{name}" in entries
    assert "emulator/model/versions/data/versions.json" in entries
    assert "emulator/container/runtime/requirements.txt" in entries
    assert not [name for name in entries if name.startswith(("compose/", "scripts/", "Dockerfile", "tests/"))]


def test_paths_come_from_the_checkout_when_there_is_one() -> None:
    paths = project_paths()
    assert paths.root == PROJECT_ROOT and paths.sources == PROJECT_ROOT
    assert paths.environment_compose == PROJECT_ROOT / "compose" / "environment.yaml"


def test_paths_come_from_the_installed_package_outside_a_checkout(installed: Path) -> None:
    paths = project_paths(installed / "emulator")
    assert paths.root == installed / "emulator" / "_data"
    assert paths.sources == installed
    assert paths.environment_compose.read_bytes() == (PROJECT_ROOT / "compose/environment.yaml").read_bytes()
    assert paths.region_compose.is_file() and paths.no_extra_ca.is_file() and paths.dockerfile.is_file()


def test_a_package_without_its_files_is_a_clear_error(tmp_path: Path) -> None:
    package = tmp_path / "site-packages" / "emulator"
    (package / "_data" / "compose").mkdir(parents=True)
    (package / "_data" / "compose" / "environment.yaml").write_text("services: {}\n")
    with pytest.raises(MwaaLocalError, match=r"missing.*compose/region\.yaml.*Dockerfile") as raised:
        project_paths(package)
    assert "pip install --force-reinstall" in (raised.value.hint or "")


@pytest.mark.parametrize("version", VERSIONS)
def test_the_hash_is_the_same_from_a_checkout_an_installed_wheel_and_an_assembled_context(
    version: str, compiled: Path, tmp_path: Path
) -> None:
    from_checkout = build_hash(PROJECT_ROOT, version, *ARGS)
    assert build_hash(project_paths(), version, *ARGS) == from_checkout
    assert build_hash(project_paths(compiled / "emulator"), version, *ARGS) == from_checkout
    context = assemble_context(project_paths(compiled / "emulator"), version, context_folder(tmp_path, version))
    assert build_hash(context, version, *ARGS) == from_checkout


@pytest.mark.parametrize("source", ["checkout", "wheel"])
def test_the_assembled_context_holds_exactly_the_build_inputs(source: str, compiled: Path, tmp_path: Path) -> None:
    paths = project_paths() if source == "checkout" else project_paths(compiled / "emulator")
    context = assemble_context(paths, "3.3.1", context_folder(tmp_path / "home", "3.3.1"))
    assert context == tmp_path / "home" / "build" / "3.3.1"
    held = {path.relative_to(context).as_posix(): path for path in context.rglob("*") if path.is_file()}
    expected = {path.relative_to(PROJECT_ROOT).as_posix(): path for path in build_inputs(PROJECT_ROOT, "3.3.1")}
    assert set(held) == set(expected)
    for name, path in expected.items():
        assert held[name].read_bytes() == path.read_bytes(), name
    assert os.access(context / "scripts" / "docker" / "pip-install", os.X_OK)
    assert not any(name.startswith("emulator/model/versions/data/2.") for name in held), "only the built version's data"
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in held)
    assert [p.relative_to(context).as_posix() for p in build_inputs(context, "3.3.1")] == list(
        image_files(paths, "3.3.1")
    )


def test_a_current_context_is_kept_and_a_stale_one_replaced(tmp_path: Path) -> None:
    target = context_folder(tmp_path, "3.3.1")
    assemble_context(PROJECT_ROOT, "3.3.1", target)
    marker = (target / "Dockerfile").stat().st_ino
    assemble_context(PROJECT_ROOT, "3.3.1", target)
    assert (target / "Dockerfile").stat().st_ino == marker, "current: not rewritten"
    (target / "Dockerfile").write_text("FROM scratch\n")
    (target / "emulator" / "container" / "sync" / "leftover.py").write_text("")
    assemble_context(PROJECT_ROOT, "3.3.1", target)
    assert (target / "Dockerfile").read_bytes() == (PROJECT_ROOT / "Dockerfile").read_bytes()
    assert not (target / "emulator" / "container" / "sync" / "leftover.py").exists()
    assert sorted(path.name for path in target.parent.iterdir()) == ["3.3.1"], "no scratch folder left behind"


def test_compose_builds_from_the_rendered_context() -> None:
    spec = yaml.safe_load((PROJECT_ROOT / "compose" / "environment.yaml").read_text())
    build = spec["services"]["init"]["build"]
    assert build["context"] == "${MWAA_LOCAL_BUILD_CONTEXT:-..}"
    assert build["dockerfile"] == "Dockerfile"


def test_up_renders_the_context_it_assembles(tmp_path: Path) -> None:
    from emulator.docker.environment import EnvironmentStack
    from emulator.model.record import build_record
    from emulator.state.home import EnvironmentState, LocalSettings
    from emulator.state.settings import Naming

    record = build_record({"Name": "packaged", "AirflowVersion": "2.10.3"})
    state = EnvironmentState(tmp_path, "packaged")
    stack = EnvironmentStack(Paths(PROJECT_ROOT), state, Naming.for_home(tmp_path))
    digest = stack.render(record, LocalSettings(web_port=8080))
    env = state.compose_env_path.read_text()
    assert f"MWAA_LOCAL_BUILD_CONTEXT='{tmp_path / 'build' / '2.10.3'}'" in env
    assert build_hash(tmp_path / "build" / "2.10.3", "2.10.3", *_args("2.10.3")) == digest.base


def _args(version: str) -> tuple[str, str]:
    from emulator.docker import images
    from emulator.model import versions

    python = versions.get(version).python
    return python, images.python_image(python)
