"""What carries out the MWAA operations, behind the HTTP layer.

`Operations` takes each operation's parsed input dict (members as botocore names them) and
returns its output dict; it raises the MwaaLocalError tree for anything a caller did wrong.
The control plane (emulator.service.provider.plane.ControlPlane) implements it; `InMemoryOperations`
is that control plane with records in memory and no Docker: the executable spec of the record
semantics, whose work finishes when `settle()` is called, so tests see every status.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from emulator.service.iam.access import Caller
from emulator.service.provider.jobs import HeldJobs
from emulator.service.provider.plane import ControlPlane, NullProvisioner
from emulator.service.provider.store import MemoryStore

Input = dict[str, Any]
Output = dict[str, Any]


class Operations(Protocol):
    """One method per MWAA operation, named as boto3 names it (botocore's `xform_name`)."""

    def create_environment(self, request: Input) -> Output: ...
    def get_environment(self, request: Input) -> Output: ...
    def list_environments(self, request: Input) -> Output: ...
    def update_environment(self, request: Input) -> Output: ...
    def delete_environment(self, request: Input) -> Output: ...
    def tag_resource(self, request: Input) -> Output: ...
    def untag_resource(self, request: Input) -> Output: ...
    def list_tags_for_resource(self, request: Input) -> Output: ...
    def create_cli_token(self, request: Input, caller: Caller) -> Output: ...
    def create_web_login_token(self, request: Input, caller: Caller) -> Output: ...
    def invoke_rest_api(self, request: Input, caller: Caller) -> Output: ...
    def publish_metrics(self, request: Input) -> Output: ...


class InMemoryOperations(ControlPlane):
    def __init__(
        self, clock: Callable[[], float] = time.time, webserver_url: Callable[[str], str] | None = None
    ) -> None:
        self._held = HeldJobs()
        super().__init__(MemoryStore(), self._held, NullProvisioner(webserver_url), clock)

    def settle(self) -> None:
        """Finish every running operation: CREATING and UPDATING become AVAILABLE, DELETING
        environments are gone (DELETED, then no longer found)."""
        self._held.run_pending()
