"""Keeps each environment's user in the S3 service in step with its execution role's policy
(docs/reference.md §7.1): before the environment starts, and within seconds of a change to the
role's attached policy file, so a grant applies to a running environment's next S3 call."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from emulator.docker.region import Region
from emulator.model.account import DEFAULT_REGION
from emulator.model.errors import MwaaLocalError
from emulator.model.execution_role import role_name
from emulator.model.policy import PolicyError
from emulator.model.record import EnvironmentRecord
from emulator.s3.client import make_admin
from emulator.s3.role_users import RoleUsers, fingerprint
from emulator.state.home import EnvironmentState, known_environments
from emulator.state.role_policies import policy_path, role_policy
from emulator.state.settings import Paths

log = logging.getLogger(__name__)
INTERVAL = 1.0  # seconds between two looks at the roles' policy files


class RoleSync:
    def __init__(self, home: Path, paths: Paths) -> None:
        self.home = home
        self.paths = paths
        self._lock = threading.Lock()
        self._applied: dict[str, str] = {}  # environment → fingerprint of what its user has
        self._reported: dict[str, str] = {}  # environment → the last problem logged
        # environment → the times its record, keys and role's policy file had when last applied:
        # an idle round only looks at those, so the control plane stays idle with it.
        self._seen: dict[str, tuple[int, ...]] = {}
        self._role_of: dict[str, str] = {}  # environment → its role's name when last applied

    def users(self) -> RoleUsers:
        region = Region(self.home, self.paths)
        keys = region.secrets()
        return RoleUsers(
            make_admin(region.endpoint(), keys.access_key, keys.secret_key, DEFAULT_REGION), region.endpoint()
        )

    def apply(self, record: EnvironmentRecord, always: bool = False) -> None:
        """Give the environment's S3 user the role's keys and policy (`always`: even if it has
        them: a start makes sure); MwaaLocalError (a PolicyError for a broken file) otherwise."""
        keys = EnvironmentState(self.home, record.name).create_role_credentials()
        policy = role_policy(self.home, record)
        mark = fingerprint(keys.access_key, policy)
        with self._lock:
            if always or self._applied.get(record.name) != mark:
                self.users().apply(record.name, keys.access_key, keys.secret_key, policy)
                self._applied[record.name] = mark

    def remove(self, name: str) -> None:
        state = EnvironmentState(self.home, name)
        if not state.role_path.exists():
            return
        with self._lock:
            self.users().remove(name, state.role_credentials().access_key)
            self._applied.pop(name, None)

    def sync_once(self) -> None:
        """Apply every started environment's role where its policy changed; a problem is logged
        once and the S3 user keeps the policy it had."""
        for name in known_environments(self.home):
            state = EnvironmentState(self.home, name)
            if not state.role_path.exists():
                continue  # never started: its start applies the role
            seen = self._times(state)
            if seen == self._seen.get(name):
                continue
            try:
                record = state.load_record()
                self._role_of[name] = role_name(str(record.fields["ExecutionRoleArn"]))
                self.apply(record)
                self._reported.pop(name, None)
                self._seen[name] = self._times(state)
            except PolicyError as error:  # read again only when a file changes
                self._seen[name] = self._times(state)
                self._report(name, error)
            except MwaaLocalError as error:  # the S3 service is not there: the next round tries again
                self._report(name, error)

    def _report(self, name: str, error: MwaaLocalError) -> None:
        if self._reported.get(name) != error.message:
            log.warning("Execution role of %s not applied: %s", name, error.message)
            self._reported[name] = error.message

    def _times(self, state: EnvironmentState) -> tuple[int, ...]:
        paths = [state.record_path, state.role_path]
        if state.name in self._role_of:
            paths.append(policy_path(self.home, self._role_of[state.name]))
        return tuple(path.stat().st_mtime_ns if path.exists() else 0 for path in paths)

    def start(self, stop: threading.Event) -> threading.Thread:
        def loop() -> None:
            while not stop.wait(INTERVAL):
                try:
                    self.sync_once()
                except Exception:  # the state home unreadable for a moment: the loop must go on
                    log.exception("A round of the execution roles' sync failed")

        thread = threading.Thread(target=loop, name="role-sync", daemon=True)
        thread.start()
        return thread
