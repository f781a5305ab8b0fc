"""Where entries are kept: in memory (tests, the executable spec), or durably in the state home.

The file store keeps each environment under `<home>/environments/<name>/`: the record in
`environment.json` (the CreateEnvironment shape users keep in their workspace too), the status
in `status.json` (with the previous record during an update, and the job's progress). Files are
written atomically, so a record survives a restart of the control plane at any moment.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path
from typing import Any, Protocol

from emulator.model import status
from emulator.model.errors import EnvironmentConfigError, StateError
from emulator.model.record import build_record
from emulator.model.serverless.engine import ENGINE_NAME
from emulator.service.provider.entries import Entry
from emulator.state.home import EnvironmentState, known_environments
from emulator.state.private_files import read_json, write_private

STATUS_FILE = "status.json"


class Store(Protocol):
    def names(self) -> list[str]: ...
    def load(self, name: str) -> Entry | None: ...
    def save(self, entry: Entry) -> None: ...
    def remove(self, name: str) -> None: ...


class MemoryStore:
    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._entries)

    def load(self, name: str) -> Entry | None:
        with self._lock:
            return self._entries.get(name)

    def save(self, entry: Entry) -> None:
        with self._lock:
            self._entries[entry.name] = entry

    def remove(self, name: str) -> None:
        with self._lock:
            self._entries.pop(name, None)


class FileStore:
    """Entries in the state home. An environment saved before the control plane existed (a
    record without status.json) reads as AVAILABLE since its record was written."""

    def __init__(self, home: Path) -> None:
        self.home = home

    def state(self, name: str) -> EnvironmentState:
        return EnvironmentState(self.home, name)

    def status_path(self, name: str) -> Path:
        return self.state(name).directory / STATUS_FILE

    def names(self) -> list[str]:
        """The environments, without the serverless engine (the region's own, never listed)."""
        return [name for name in known_environments(self.home) if name != ENGINE_NAME]

    def load(self, name: str) -> Entry | None:
        state = self.state(name)
        if not state.exists():
            return None
        record = state.load_record()
        path = self.status_path(name)
        if not path.exists():
            since = state.record_path.stat().st_mtime
            return Entry(record, status.create_succeeded(status.creating(name, since)))
        hint = f"Restore {path} from a backup, or remove it: the environment then reads as AVAILABLE."
        saved: dict[str, Any] = read_json(path, hint)
        lifecycle = status.Lifecycle.from_dict(saved.get("Lifecycle"))
        previous = saved.get("Previous")
        try:
            previous_record = build_record(previous) if isinstance(previous, dict) else None
        except EnvironmentConfigError as error:
            raise StateError(f"Cannot use {path}: {error.message}", hint=hint) from error
        return Entry(record, lifecycle, previous_record, str(saved.get("Progress") or ""))

    def save(self, entry: Entry) -> None:
        state = self.state(entry.name)
        saved: dict[str, Any] = {"Lifecycle": entry.lifecycle.to_dict(), "Progress": entry.progress}
        if entry.previous is not None:
            saved["Previous"] = entry.previous.fields
        # The status first: a record without one reads as AVAILABLE, a creating one must not.
        write_private(self.status_path(entry.name), json.dumps(saved, indent=2))
        state.save_record(entry.record)

    def remove(self, name: str) -> None:
        shutil.rmtree(self.state(name).directory, ignore_errors=True)
