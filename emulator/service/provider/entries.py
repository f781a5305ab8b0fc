"""What the control plane keeps per environment: its record, where it is in MWAA's status
machine, the configuration a failed update rolls back to, and what its running job is doing."""

from __future__ import annotations

from dataclasses import dataclass

from emulator.model.record import EnvironmentRecord
from emulator.model.status import Lifecycle


@dataclass(frozen=True)
class Entry:
    record: EnvironmentRecord
    lifecycle: Lifecycle
    previous: EnvironmentRecord | None = None  # the configuration before a running update
    progress: str = ""  # what the running job does now, for the CLI to show (not an MWAA member)

    @property
    def name(self) -> str:
        return self.record.name
