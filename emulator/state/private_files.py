"""Files under the state home: written atomically and privately, read back checked.

A write goes to a private temporary file of its own and is renamed into place, so readers see
the old content or the new and concurrent writers never share a temporary file. A read checks
the JSON against the dataclass it holds, so a truncated or hand-edited file is a StateError
naming the file, what is wrong and what to do.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import types
import typing
from collections.abc import Callable
from dataclasses import MISSING, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from emulator.model.errors import StateError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    T = TypeVar("T", bound=DataclassInstance)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically, readable by the owner only: a temporary file of its own
    in the same folder (mode 0600, synced), renamed over `path`. Readers see the old content or
    the new, never part of it; concurrent writers never share a temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _write_temporary(path, text)
    try:
        os.replace(temporary, path)
    except BaseException:
        _remove(temporary)
        raise
    _sync_folder(path.parent)


def _write_temporary(path: Path, text: str) -> Path:
    """`text` in a new private file next to `path` (removed again if writing fails)."""
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        _remove(temporary)
        raise
    return temporary


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (best effort: not every file system allows it)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def create_private(path: Path, text: str) -> bool:
    """Write `text` to `path` unless it exists already (then leave it alone): True if written.
    Atomic: of two commands creating the same file at once, exactly one writes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _write_temporary(path, text)
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links: create-if-absent, less strictly
        if path.exists():
            return False
        os.replace(temporary, path)
    finally:
        _remove(temporary)
    _sync_folder(path.parent)
    return True


_JSON_KINDS = {list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}


def read_json(path: Path, hint: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        problem = f"it is not valid JSON ({error.msg}: line {error.lineno}, column {error.colno})"
        raise StateError(f"Cannot read {path}: {problem}.", hint=hint) from error
    except UnicodeDecodeError as error:
        raise StateError(f"Cannot read {path}: it is not valid JSON (not UTF-8 text).", hint=hint) from error
    except OSError as error:
        raise StateError(f"Cannot read {path}: {error.strerror or error}.", hint=hint) from error
    if not isinstance(data, dict):
        kind = _JSON_KINDS.get(type(data), type(data).__name__)
        raise StateError(f"Cannot read {path}: it holds a JSON {kind} instead of an object.", hint=hint)
    return data


_TYPE_NAMES: dict[Any, str] = {
    int: "an integer",
    float: "a number",
    str: "a string",
    bool: "true or false",
    types.NoneType: "null",
    dict: "an object",
    list: "a list",
}


def _alternatives(hint: Any) -> tuple[Any, ...]:
    return typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)


def _fits(value: Any, hint: Any) -> bool:
    """Whether a JSON value fits a field's type: int, float, str, bool, None, dict[K, V], list[X], unions."""
    alternatives = _alternatives(hint)
    if len(alternatives) > 1:
        return any(_fits(value, alternative) for alternative in alternatives)
    origin, arguments = typing.get_origin(hint) or hint, typing.get_args(hint)
    if hint is Any:
        return True
    if origin in (int, float) and isinstance(value, bool):
        return False
    if origin is float:
        return isinstance(value, int | float)
    if not isinstance(value, origin):
        return False
    if origin is dict and arguments:
        return all(_fits(key, arguments[0]) and _fits(item, arguments[1]) for key, item in value.items())
    if origin is list and arguments:
        return all(_fits(item, arguments[0]) for item in value)
    return True


def _type_problem(name: str, value: Any, hint: Any) -> str | None:
    """'<name> must be <type>' when `value` does not fit the field's type."""
    if _fits(value, hint):
        return None
    kinds = [typing.get_origin(kind) or kind for kind in _alternatives(hint)]
    return f"{name} must be " + " or ".join(
        _TYPE_NAMES.get(kind, getattr(kind, "__name__", str(kind))) for kind in kinds
    )


def load_checked(
    cls: type[T], path: Path, hint: str, check: Callable[[dict[str, Any]], list[str]] = lambda data: []
) -> T:
    """The dataclass `cls` from the JSON object in `path`, every member checked: members without
    a default must be there, none may be unknown, each of its field's type; then `check`."""
    data = read_json(path, hint)
    hints = typing.get_type_hints(cls)
    known = {field.name: field for field in fields(cls)}
    problems = [
        f"missing {name}"
        for name, field in known.items()
        if name not in data and field.default is MISSING and field.default_factory is MISSING
    ]
    typed = [_type_problem(name, data[name], hints[name]) for name in known if name in data]
    problems += [problem for problem in typed if problem]
    problems += [f"unknown key {key!r}" for key in sorted(set(data) - set(known))]
    if not problems:
        problems = check(data)
    if problems:
        raise StateError(f"Cannot use {path}: {'; '.join(problems)}.", hint=hint)
    return cls(**data)
