"""The serverless engine (model/serverless/engine.py): an internal environment the control plane
starts through its own provisioner when a run needs it and stops (keeping its database) when no
run has needed it for a while. Workflows reach it through its bucket, as DAG files the sync
sidecar mirrors; the control plane drives its runs through Airflow's REST API, as InvokeRestApi
does, with a token of its own.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from minio.commonconfig import ENABLED
from minio.error import S3Error
from minio.versioningconfig import VersioningConfig

from emulator.docker.environment import EnvironmentStack
from emulator.model import tokens, versions
from emulator.model.container_contract import SSO_PATH
from emulator.model.defaults import default_bucket
from emulator.model.errors import RestApiError
from emulator.model.record import EnvironmentRecord, build_record
from emulator.model.serverless.engine import (
    DAGS_PREFIX,
    ENGINE_CLASS,
    ENGINE_NAME,
    ENGINE_REQUIREMENTS,
    ENGINE_ROLE_ARN,
    REQUIREMENTS_KEY,
)
from emulator.service.provider.provisioner import DockerProvisioner

ENGINE_IDENTITY = "mwaa-serverless"
log = logging.getLogger(__name__)


class Engine:
    def __init__(self, provisioner: DockerProvisioner, clock: Callable[[], float] = time.time) -> None:
        self.provisioner = provisioner
        self.clock = clock
        self.lock = threading.Lock()
        self.up = False
        self.published: dict[str, float] = {}  # DAG file → when it was published

    @property
    def bucket(self) -> str:
        return default_bucket(ENGINE_NAME)

    def record_fields(self) -> dict[str, Any]:
        return {
            "Name": ENGINE_NAME,
            "EnvironmentClass": ENGINE_CLASS,
            "AirflowVersion": versions.default_version(),
            "ExecutionRoleArn": ENGINE_ROLE_ARN,
            "RequirementsS3Path": REQUIREMENTS_KEY,
            "WebserverAccessMode": "PUBLIC_ONLY",
        }

    def client(self) -> Any:
        return self.provisioner.region().client()

    def prepare_bucket(self) -> None:
        """The engine's versioned bucket, with dag-factory in its requirements.txt."""
        client = self.client()
        if not client.bucket_exists(self.bucket):
            client.make_bucket(self.bucket)
        client.set_bucket_versioning(self.bucket, VersioningConfig(ENABLED))
        try:
            current = client.get_object(self.bucket, REQUIREMENTS_KEY).read().decode()
        except S3Error:
            current = None
        if current != ENGINE_REQUIREMENTS:
            data = ENGINE_REQUIREMENTS.encode()
            client.put_object(self.bucket, REQUIREMENTS_KEY, io.BytesIO(data), len(data))

    def record(self) -> EnvironmentRecord:
        return self.provisioner.resolve_files(build_record(self.record_fields()))

    def ensure_running(self) -> None:
        """Start the engine unless this control plane already did (a running one is adopted:
        applying it again is quick)."""
        with self.lock:
            if self.up:
                return
            self.prepare_bucket()
            state = self.provisioner.state(ENGINE_NAME)
            if not state.has_local_settings():
                settings = self.provisioner.settings_for(state)
                state.save_local_settings(dataclasses.replace(settings, timings="dev"))
            record = self.record()
            state.save_record(record)  # its execution role is found by its record, as an environment's
            started = time.monotonic()
            self.provisioner.apply(record, lambda doing: log.info("serverless engine: %s", doing))
            log.info("serverless engine started in %.1f s", time.monotonic() - started)
            self.up = True

    def stop(self) -> None:
        """Stop the engine's containers; its database and DAG copy are kept for the next start."""
        with self.lock:
            if not self.up:
                return
            state = self.provisioner.state(ENGINE_NAME)
            EnvironmentStack(self.provisioner.paths, state, self.provisioner.naming).down(volumes=False)
            self.up = False
            log.info("serverless engine stopped: no run needs it")

    def publish(self, file_name: str, files: dict[str, str]) -> None:
        """A workflow version's files in the engine's DAG folder, in their order, once (versions
        never change); `file_name` is the DAG file's."""
        if file_name in self.published:
            return
        client = self.client()
        for name, text in files.items():
            data = text.encode()
            client.put_object(self.bucket, f"{DAGS_PREFIX}/{name}", io.BytesIO(data), len(data))
        self.published[file_name] = self.clock()

    def published_at(self, file_name: str) -> float:
        """When the file was published (now, for one published by an earlier control plane)."""
        return self.published.setdefault(file_name, self.clock())

    def rest(self, name: str, method: str, path: str, **members: Any) -> tuple[int, Any]:
        """Airflow's REST API of the engine as its admin: the status and the answer, error
        statuses included (the signature of ControlPlaneClient.rest)."""
        key = self.provisioner.token_key(ENGINE_NAME)
        token = tokens.issue(key, "rest", ENGINE_NAME, ENGINE_IDENTITY, "Admin", self.clock())
        request = {"Name": ENGINE_NAME, "Method": method, "Path": path, **members}
        try:
            answer = self.provisioner.call_rest_api(ENGINE_NAME, token, request)
        except RestApiError as error:
            return int(error.extra["RestApiStatusCode"]), error.extra["RestApiResponse"]
        return int(answer["RestApiStatusCode"]), answer.get("RestApiResponse")

    def ui_url(self, identity: str) -> str:
        """A URL that logs a browser into the engine's Airflow UI once, within a minute."""
        key = self.provisioner.token_key(ENGINE_NAME)
        token = tokens.issue(key, "web", ENGINE_NAME, identity, "Admin", self.clock())
        return f"{self.provisioner.webserver_url(ENGINE_NAME)}{SSO_PATH}?login=true#{token}"
