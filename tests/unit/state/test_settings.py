"""Every MWAA_LOCAL_* variable the host reads is a Setting of emulator/state/settings.py, read
through it, and listed in docs/settings.md."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from emulator.docker.build import CONTAINER_MODEL_FILES
from emulator.state import settings
from emulator.state.settings import SETTINGS, Setting

ROOT = Path(__file__).resolve().parents[3]
# The container side reads the variables render passes it; the model modules it shares with the
# host (emulator/docker/build.py's CONTAINER_MODEL_FILES) read them inside the container too.
SHARED = {ROOT / name for name in CONTAINER_MODEL_FILES}
HOST_SIDE = [
    path
    for path in (ROOT / "emulator").rglob("*.py")
    if "container" not in path.relative_to(ROOT).parts and path not in SHARED
]


def environment_reads(tree: ast.AST) -> list[ast.AST]:
    """`os.environ.get(...)`, `os.environ[...]`, `os.getenv(...)` and `environ.get(...)` calls."""
    found: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = ast.unparse(node.func)
            if target in ("os.environ.get", "os.getenv", "environ.get", "source.get") and node.args:
                found.append(node.args[0])
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            found.append(node.slice)
    return found


def test_no_host_module_but_settings_reads_an_mwaa_local_variable() -> None:
    offenders = []
    for path in HOST_SIDE:
        if path == Path(settings.__file__).resolve():
            continue
        for key in environment_reads(ast.parse(path.read_text())):
            text = ast.unparse(key)
            if "MWAA_LOCAL_" in text or text.endswith("_VARIABLE") or text.endswith(".variable"):
                offenders.append(f"{path.relative_to(ROOT)}: {text}")
    assert not offenders, offenders


def test_every_setting_is_in_the_docs_table_with_its_default() -> None:
    table = (ROOT / "docs" / "settings.md").read_text()
    rows = {line.split("|")[1].strip(" `"): line for line in table.splitlines() if line.startswith("| `")}
    assert set(rows) == {setting.variable for setting in SETTINGS}
    for setting in SETTINGS:
        assert f"| {setting.default} |" in rows[setting.variable], setting.variable


def test_settings_are_declared_once_and_named_as_their_variable() -> None:
    declared = [value for value in vars(settings).values() if isinstance(value, Setting)]
    assert sorted(declared, key=str) == sorted(SETTINGS, key=str), "each Setting is in SETTINGS"
    assert len({setting.variable for setting in SETTINGS}) == len(SETTINGS)
    for name, value in vars(settings).items():
        if isinstance(value, Setting):
            assert value.variable == f"MWAA_LOCAL_{name}", name


@pytest.mark.parametrize("value", ["", "x"])
def test_a_setting_returns_what_is_set_and_none_when_unset(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(settings.DEBUG.variable, raising=False)
    assert settings.DEBUG.get() is None
    monkeypatch.setenv(settings.DEBUG.variable, value)
    assert settings.DEBUG.get() == value
    assert settings.DEBUG.get({}) is None, "an explicit mapping is read instead of the process"
