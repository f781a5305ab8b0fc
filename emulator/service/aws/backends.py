"""moto's backends of the region's AWS services, in this process, kept in the state home.

A service's backend is imported on its first request (SSM's pulls in moto's EC2 model: about
140 MiB that a region whose tasks never call SSM does not pay). Each is saved as a pickle
shortly after a request that may have changed it and at exit, and loaded again by the next
control plane, so secrets, parameters, log events and metrics survive `down`/`up`, as the
bucket does.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, HTTPHeaders

from emulator.model.account import ACCOUNT_ID, DEFAULT_REGION
from emulator.model.aws_services import SERVICES, AwsService
from emulator.service.aws import moto_fixes

log = logging.getLogger(__name__)
READ_PREFIXES = ("Get", "List", "Describe", "Filter", "BatchGet", "Test", "StartQuery", "GetQuery")
SAVE_DELAY = 2.0  # seconds: a burst of log events is saved once
# Metrics change every period; writing them all each time would cost more than they are worth
# between restarts (the control plane saves everything when it stops anyway).
LATER_DELAY = 300.0


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def is_read(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES)


class MotoBackends:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.lock = threading.RLock()  # moto's backends are not made for concurrent requests
        self._loaded: dict[str, Any] = {}
        self._dirty = threading.Event()
        self._later = False
        self._stubber: Any = None

    def path(self, service: AwsService) -> Path:
        return self.directory / f"{service.client}.pickle"

    def backend(self, service: AwsService) -> Any:
        """The service's backend for the local account and region, loaded from disk once."""
        with self.lock:
            if service.client not in self._loaded:
                self._loaded[service.client] = self._load(service)
            return self._loaded[service.client]

    def loaded(self, service: AwsService) -> Any | None:
        """The service's backend if a request or a saved state has loaded it, else None."""
        with self.lock:
            return self._loaded.get(service.client)

    def _load(self, service: AwsService) -> Any:
        from moto.backends import get_backend

        moto_fixes.apply()

        backend = get_backend(service.client)[ACCOUNT_ID][DEFAULT_REGION]  # type: ignore[call-overload]
        path = self.path(service)
        if path.exists():
            try:
                saved = pickle.loads(path.read_bytes())
                backend.__dict__.update(saved.__dict__)
            except Exception as error:  # a damaged file must not take the API down: start empty, say so
                kept = path.with_suffix(".unreadable")
                os.replace(path, kept)
                log.error(
                    "%s: could not load %s (%r); starting empty, the file is kept as %s",
                    service.client,
                    path,
                    error,
                    kept,
                )
        return backend

    def handle(
        self, service: AwsService, method: str, path: str, query: str, headers: HTTPHeaders, body: bytes
    ) -> Answer:
        """moto's answer to a request, as it would answer it on AWS's own host for the service."""
        url = f"https://{service.signing_name}.{DEFAULT_REGION}.amazonaws.com{path}" + (f"?{query}" if query else "")
        headers["x-moto-account-id"] = ACCOUNT_ID
        with self.lock:
            self.backend(service)
            answer = self._moto().process_request(AWSPreparedRequest(method, url, headers, body, False))
        if answer is None:  # moto's stubber matched no service: cannot happen for the four served
            raise RuntimeError(f"moto has no handler for {url}")
        status, answer_headers, answer_body = answer
        content = answer_body.encode() if isinstance(answer_body, str) else bytes(answer_body or b"")
        return Answer(int(status), {str(k): str(v) for k, v in answer_headers.items()}, content)

    def _moto(self) -> Any:
        if self._stubber is None:
            from moto.core.botocore_stubber import BotocoreStubber

            self._stubber = BotocoreStubber()
            self._stubber.enabled = True
        return self._stubber

    def changed(self, soon: bool = True) -> None:
        """Something changed: save it within seconds, or (`soon=False`) within minutes."""
        if soon:
            self._dirty.set()
        else:
            self._later = True

    def save(self) -> None:
        """Write every loaded backend (atomically: a crash leaves the previous file)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with self.lock:
            loaded = [(service, self._loaded[service.client]) for service in SERVICES if service.client in self._loaded]
            blobs = [(self.path(service), pickle.dumps(backend)) for service, backend in loaded]
        for path, blob in blobs:
            temporary = path.with_suffix(".tmp")
            temporary.write_bytes(blob)
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)

    def run_saver(self, stop: threading.Event, clock: Callable[[], float] = time.monotonic) -> None:
        last_save = clock()
        while not stop.is_set():
            if not self._dirty.wait(1.0) and not (self._later and clock() - last_save >= LATER_DELAY):
                continue
            stop.wait(SAVE_DELAY)
            self._dirty.clear()
            self._later = False
            last_save = clock()
            try:
                self.save()
            except Exception:  # keep the saver alive; the next change tries again
                log.exception("saving the AWS services' state failed")
                self._dirty.set()

    def start(self, stop: threading.Event) -> None:
        threading.Thread(target=self.run_saver, args=(stop,), name="aws-services-saver", daemon=True).start()
