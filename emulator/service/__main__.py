"""The control plane's container: `python -m emulator.service` serves the MWAA API over the
state home's records, and the region's other AWS services (emulator/service/aws) on the same
port (its health check is `emulator.service.liveness`)."""

from __future__ import annotations

import logging
import threading

import botocore.session

from emulator.docker import engine
from emulator.docker.region import Region
from emulator.model.record import EnvironmentRecord
from emulator.service.api.json_app import make_json_app
from emulator.service.api.server import serve
from emulator.service.autoscaler import service as autoscaler
from emulator.service.autoscaler.journal import Snapshot
from emulator.service.autoscaler.service import Autoscaler
from emulator.service.aws.app import AwsServicesApp
from emulator.service.aws.backends import MotoBackends
from emulator.service.aws.cluster_metrics import ClusterMetrics, ClusterReading, Readings
from emulator.service.aws.component_logs import PROJECT_LABEL, ComponentLogShipper
from emulator.service.aws.container_usage import ContainerUsage
from emulator.service.aws.database_usage import DatabaseUsage
from emulator.service.aws.log_groups import EnvironmentLogGroups
from emulator.service.aws.metrics import AirflowMetrics
from emulator.service.console.app import Console
from emulator.service.console.session import Sessions
from emulator.service.iam import principals
from emulator.service.iam.access import AccessControl
from emulator.service.iam.principals import Principal, Principals
from emulator.service.iam.roles import ExecutionRoles
from emulator.service.liveness import PORT
from emulator.service.provider.jobs import ThreadJobs
from emulator.service.provider.plane import ControlPlane
from emulator.service.provider.provisioner import DockerProvisioner
from emulator.service.provider.store import FileStore
from emulator.service.serverless.engine import Engine
from emulator.service.serverless.logs import WorkflowLogs
from emulator.service.serverless.operations import WorkflowOperations
from emulator.service.serverless.roles import WorkflowRoles
from emulator.service.serverless.runs import RunDriver
from emulator.service.serverless.store import WorkflowStore
from emulator.state.home import RegionState
from emulator.state.settings import SERVERLESS_IDLE_SECONDS, Naming, project_paths, state_home


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    home = state_home()
    store = FileStore(home)
    stop = threading.Event()  # never set: the threads end with the process
    aws = MotoBackends(RegionState(home).aws_services_directory)
    aws.start(stop)
    log_groups = EnvironmentLogGroups(aws)
    log_groups.start(stop)
    AirflowMetrics(aws).start(stop)
    naming = Naming.for_home(home)
    ComponentLogShipper(aws, lambda: store_records(store), naming).start(stop)
    provisioner = DockerProvisioner(home, project_paths(), log_groups)
    plane = ControlPlane(store, ThreadJobs(), provisioner)
    plane.recover()
    usage = ContainerUsage(engine.container_usage)
    database = DatabaseUsage(engine.container_usage, engine.exec_output)

    def readings_of(record: EnvironmentRecord) -> Readings:
        containers = engine.running_containers(f"{PROJECT_LABEL}={naming.environment_project(record.name)}")
        return usage.read(record, containers), database.read(record.name, containers)

    cluster = ClusterMetrics(aws, readings_of)

    def publish(record: EnvironmentRecord, reading: Snapshot) -> None:
        workers = reading.workers + reading.draining
        queue = ClusterReading(workers, reading.broker_depth, reading.running, reading.oldest_queued_seconds)
        cluster.publish(record, queue)

    Autoscaler(store, home, project_paths(), publish=publish).start(autoscaler.interval(), stop)
    provisioner.roles.start(stop)
    roles = ExecutionRoles(home)
    known = Principals(RegionAdmin(RegionState(home)), home / principals.FILE_NAME, roles)
    access = AccessControl(known)
    console = Console(Sessions(known)).app()
    workflow_store = WorkflowStore(RegionState(home).serverless_directory)
    workflow_roles = WorkflowRoles(home, provisioner.roles.users)
    idle = float(SERVERLESS_IDLE_SECONDS.get() or 600)
    runs = RunDriver(workflow_store, Engine(provisioner), workflow_roles, idle, WorkflowLogs(aws))
    runs.start(stop)
    workflows = WorkflowOperations(
        workflow_store,
        lambda: Region(home, project_paths()).client(),
        botocore.session.get_session().get_service_model("mwaa-serverless"),
        runs,
    )
    serverless = make_json_app(workflows.model, workflows, access)
    try:
        # All interfaces of the container; the region publishes the port on the host's loopback only.
        serve(plane, access, AwsServicesApp(aws, access), console, serverless, host="0.0.0.0", port=PORT)
    finally:
        aws.save()  # `down` stops the container: what changed in the last seconds is kept too


def store_records(store: FileStore) -> dict[str, EnvironmentRecord]:
    return {name: entry.record for name in store.names() if (entry := store.load(name)) is not None}


class RegionAdmin:
    """The zero-configuration principal: the region's keys. Every request asks for it, so the
    secrets file is read again only when it changes (a region made again gets new keys)."""

    def __init__(self, region: RegionState) -> None:
        self.region = region
        self._seen: tuple[int, int] | None = None
        self._admin: Principal | None = None

    def __call__(self) -> Principal:
        try:
            found = self.region.secrets_path.stat()
            seen: tuple[int, int] | None = (found.st_ino, found.st_mtime_ns)
        except FileNotFoundError:
            seen = None  # secrets() says what is missing
        if self._admin is None or seen is None or seen != self._seen:
            keys = self.region.secrets()
            self._admin, self._seen = principals.admin(keys.access_key, keys.secret_key), seen
        return self._admin


if __name__ == "__main__":
    main()
