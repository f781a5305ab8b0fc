"""Helpers for tests against a running environment: the CLI, Airflow, Postgres, S3."""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boto3
import httpx
from botocore.config import Config
from minio import Minio
from minio.error import S3Error

from emulator.cli import lifecycle
from emulator.cli.lifecycle import Context
from emulator.docker import health_checks
from emulator.docker.compose import ComposeProject, ServiceContainer
from emulator.docker.environment import DRAINING_POLICY
from emulator.docker.ports import free_port
from emulator.model.account import DEFAULT_REGION
from emulator.model.defaults import DEFAULT_ROLE_ARN
from emulator.model.execution_role import role_name
from emulator.s3.client import make_client
from emulator.service.control_plane_client import ControlPlaneClient
from emulator.state.home import EnvironmentState, RoleCredentials
from emulator.state.role_policies import policy_path
from emulator.state.settings import state_home

REPO = Path(__file__).resolve().parent.parent
SAMPLES = Path(__file__).resolve().parent / "dags"
T = TypeVar("T")
# The it_xcom DAG and the side files its first task reads on the worker.
XCOM_DAG_FILES = ("it_xcom.py", "it_helpers/greeting.py", "sql/it_nested_helper.sql")
FINISHED = ("success", "failed")


def wait_for(
    check: Callable[[], T | None],
    timeout: float,
    what: str,
    interval: float = 0.5,
    retrying: tuple[type[Exception], ...] = (Exception,),
) -> T:
    """Poll `check` until it returns something truthy; fail with `what` after `timeout`. An
    exception of `retrying` means "not yet" (kept for the message); any other ends the wait."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except retrying as error:  # not there yet; keep the reason for the message
            last = error
        else:
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


def delete_bucket(client: Minio, bucket: str) -> None:
    """Remove a versioned bucket: every version and delete marker, then the bucket."""
    for item in client.list_objects(bucket, recursive=True, include_version=True):
        client.remove_object(bucket, item.object_name or "", version_id=item.version_id)
    client.remove_bucket(bucket)


def state_exists(name: str) -> bool:
    return Context.load().state(name).exists()


def cli(
    workspace: Path, *arguments: str, timeout: float = 1200, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real `mwaa-local` command in a child process (with `env` instead of ours)."""
    return subprocess.run(
        [sys.executable, "-m", "emulator.cli", "--workspace", str(workspace), *arguments],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**(env if env is not None else os.environ), "COLUMNS": "200"},
        cwd=REPO,
    )


def env_exports(environment: Environment) -> dict[str, str]:
    """The settings `mwaa-local env` prints for boto3, the aws CLI and https clients."""
    return region_exports(environment.workspace)


def region_exports(workspace: Path = REPO) -> dict[str, str]:
    """`mwaa-local env`'s exports for this session's region, printed from `workspace`."""
    printed = cli(workspace, "env")
    assert printed.returncode == 0, printed.stderr
    return dict(item.split("=", 1) for item in shlex.split(printed.stdout.removeprefix("export ")))


def mwaa_client(exports: dict[str, str], key: str | None = None, secret: str | None = None) -> Any:
    """boto3's MWAA client from `mwaa-local env`'s exports (another principal's keys if given)."""
    return boto3.client(
        "mwaa",
        endpoint_url=exports["AWS_ENDPOINT_URL_MWAA"],
        aws_access_key_id=key or exports["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=secret or exports["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
        # AWS_DISABLE_HOST_PREFIX_INJECTION, as exported; one attempt, so a refusal shows at once
        config=Config(inject_host_prefix=False, retries={"total_max_attempts": 1}),
    )


def prepare_environment(
    root: Path, name: str, version: str, fields: dict[str, Any] | None = None, dags: dict[str, str] | None = None
) -> Environment:
    """A workspace of its own (environment.json with `fields`, DAG files by name) and a bucket name."""
    bucket = f"mwaa-local-{name}-{secrets.token_hex(3)}"
    workspace = root / name
    (workspace / "dags").mkdir(parents=True)
    for file_name, text in (dags or {}).items():
        (workspace / "dags" / file_name).write_text(text)
    record = {"Name": name, "AirflowVersion": version, "SourceBucketArn": f"arn:aws:s3:::{bucket}", **(fields or {})}
    (workspace / "environment.json").write_text(json.dumps(record))
    return Environment(name, version, workspace, free_port(), bucket, edge_port=free_port())


@contextmanager
def running_environment(environment: Environment) -> Iterator[Environment]:
    """A prepared environment started (`up --deploy`) for the block, then removed: a failed start
    fails with the services' logs."""
    try:
        failure = start_environment(environment)
        assert not failure, f"mwaa-local up failed for {environment.name}:\n{failure}\n{environment.logs()}"
        yield environment
    finally:
        remove_environment(environment)


def start_environment(environment: Environment) -> str:
    """`mwaa-local up --deploy` of a prepared environment; what went wrong, or "" when it started."""
    started = environment.cli(*environment.up_arguments(), "--deploy")
    return "" if started.returncode == 0 else started.stdout + started.stderr


def remove_environment(environment: Environment) -> None:
    """Its bucket, containers, volumes and saved state."""
    if state_exists(environment.name):
        if environment.region_running():
            delete_bucket(environment.s3(), environment.bucket)
        environment.cli("down", "--volumes")


# Each process as "<pid> <parent pid> <command line>", one per line.
LIST_PROCESSES = (
    "for p in /proc/[0-9]*; do "
    "echo \"${p#/proc/} $(sed -n 's/^PPid:[[:space:]]*//p' $p/status 2>/dev/null) "
    "$(tr '\\0' ' ' < $p/cmdline 2>/dev/null)\"; "
    "done"
)
CELERY_MAIN = ":MainProcess]"
WEB_SERVER_TITLE = re.compile(r"\(web server (\d+) of \d+\)")
WEB_SERVER_LOG = re.compile(r"\bweb_server=(\d+)\b")
# A pool process's title: Celery's while idle; on Airflow 3 the task supervisor's once it has run
# a task (it keeps that title afterwards).
POOL_TITLES = (":ForkPoolWorker-", "airflow supervisor: ")


def pool_processes(listing: str) -> int:
    """The prefork pool of Celery's main process: its children with a pool process's title (its
    other children are Airflow's log server and the like)."""
    rows = [line.split(maxsplit=2) for line in listing.splitlines()]
    rows = [row for row in rows if len(row) == 3]
    mains = {pid for pid, _parent, command in rows if CELERY_MAIN in command}
    return sum(1 for _pid, parent, command in rows if parent in mains and any(t in command for t in POOL_TITLES))


@dataclass
class Environment:
    name: str
    version: str
    workspace: Path
    web_port: int
    bucket: str
    up_output: str = ""  # what the session's `mwaa-local up` printed
    # The edge's https port `up` is given: test sessions run side by side (xdist workers, each
    # with a state home of its own), and `up`'s own choice from 8443 only avoids its home's.
    edge_port: int | None = None

    @property
    def https_port(self) -> int | None:
        """The edge's port (the WebserverUrl's), as `up` chose it."""
        return Context.load().state(self.name).local_settings().https_port

    @property
    def family(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def web_service(self) -> str:
        return "api-server" if self.family == 3 else "webserver"

    @property
    def project(self) -> ComposeProject:
        """The compose project by name: reads nothing from the state home (which a deleted
        environment no longer has) and writes nothing."""
        return ComposeProject.by_name(Context.load().naming.environment_project(self.name))

    def containers(self, service: str | None = None) -> list[ServiceContainer]:
        """Its containers, with the health `mwaa-local status` shows (a starting one's check run)."""
        return health_checks.current([c for c in self.project.containers() if service is None or c.service == service])

    @property
    def airflow_service(self) -> str:
        """Where Airflow's CLI runs: a scheduler, or mw1.micro's one hybrid container."""
        return "hybrid" if self.containers("hybrid") else "scheduler"

    @property
    def worker_service(self) -> str:
        """Where Celery's worker runs: the worker containers, or mw1.micro's one hybrid container."""
        return "hybrid" if self.containers("hybrid") else "worker"

    def api(self) -> ControlPlaneClient:
        return lifecycle.api(Context.load())

    def described(self) -> dict[str, Any]:
        """GetEnvironment's Environment."""
        found = self.api().environment(self.name)
        assert found is not None, f"environment {self.name} has no record"
        return found

    def update(self, **members: Any) -> dict[str, Any]:
        """UpdateEnvironment through the MWAA API, waiting until it settles."""
        self.api().call("update_environment", Name=self.name, **members)  # UPDATING before it answers

        def settled() -> dict[str, Any] | None:
            found = self.described()
            return None if found["Status"] in ("UPDATING", "ROLLING_BACK") else found

        return wait_for(settled, 900, f"the update of {self.name} to settle", interval=2)

    def running_services(self) -> dict[str, int]:
        """Running containers by service."""
        counts: dict[str, int] = {}
        for container in self.containers():
            if container.state == "running":
                counts[container.service] = counts.get(container.service, 0) + 1
        return counts

    def live_jobs(self, job_type: str, service: str) -> int:
        """The Airflow jobs of this type in the service's containers that heartbeated in the last
        30 seconds (one container can run several: MWAA's scheduler tasks)."""
        rows = self.sql(
            "SELECT hostname FROM job WHERE state = 'running' "
            f"AND job_type = '{job_type}' AND latest_heartbeat > now() - interval '30 seconds'"
        )
        hosts = self.container_hostnames(service)
        return sum(1 for row in rows if row[0] in hosts)

    def served_by(self, count: int) -> dict[int, int]:
        """Sends `count` requests to the UI's plain-http port and reads, from the web container's
        access log (each line carries `web_server=<number>`), how many each web server answered."""
        marker = uuid.uuid4().hex
        path = "/api/v2/version" if self.family == 3 else "/health"
        for number in range(count):
            response = httpx.get(f"http://127.0.0.1:{self.web_port}{path}?probe={marker}-{number}", timeout=30)
            assert response.status_code == 200, response.text
        counts = dict.fromkeys(self.web_servers(), 0)
        (container,) = self.containers(self.web_service)
        log = subprocess.run(["docker", "logs", container.name], capture_output=True, text=True, check=True)
        for line in (log.stdout + log.stderr).splitlines():
            if marker in line and (served := WEB_SERVER_LOG.search(line)):
                counts[int(served.group(1))] = counts.get(int(served.group(1)), 0) + 1
        return counts

    def web_servers(self) -> dict[int, int]:
        """The web container's web servers (its processes titled `(web server N of M)`: Airflow
        3's API servers, Airflow 2's gunicorn arbiters), each number's pid."""
        (listing,) = self.process_titles(self.web_service).values()
        servers = {}
        for line in listing.splitlines():
            pid, _parent, command = [*line.split(maxsplit=2), "", ""][:3]
            if (title := WEB_SERVER_TITLE.search(command)) and "worker [" not in command:
                servers[int(title.group(1))] = int(pid)
        return servers

    def celery_concurrency(self, service: str = "worker") -> list[int]:
        """Each running container's Celery pool processes (its task slots). A worker the autoscaler
        is draining is left out: in Celery's warm shutdown its idle pool processes have exited."""
        return [pool_processes(listing) for listing in self.process_titles(service).values()]

    def process_titles(self, service: str = "worker") -> dict[str, str]:
        """Each running, not draining container's processes: pid, parent pid and command line."""
        titles = {}
        for container in self.containers(service):
            if container.state != "running" or container.restart_policy == DRAINING_POLICY:
                continue
            titles[container.name] = subprocess.run(
                ["docker", "exec", container.name, "sh", "-c", LIST_PROCESSES],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        return titles

    def region_running(self) -> bool:
        return Context.load().region().running()

    def cli(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return cli(self.workspace, *arguments, "--name", self.name)

    def up_arguments(self) -> list[str]:
        """`mwaa-local up` as the tests start environments: dev timings, ports of their own."""
        ports = ["--web-port", str(self.web_port)] + (["--https-port", str(self.edge_port)] if self.edge_port else [])
        return ["up", "--timings", "dev", *ports, "--timeout", "900"]

    def up(self) -> subprocess.CompletedProcess[str]:
        """`mwaa-local up` as the session's shared environments start."""
        return self.cli(*self.up_arguments())

    def compose(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.project.run(*arguments, check=check)

    def exec(self, service: str, *command: str, check: bool = True) -> str:
        result = self.compose("exec", "-T", service, *command, check=False)
        if check and result.returncode != 0:
            raise AssertionError(
                f"`{' '.join(command)}` in {service} exited {result.returncode}: {result.stderr[-2000:]}"
            )
        return result.stdout

    def variables(self, service: str) -> dict[str, str]:
        """The environment a `docker compose exec` into the service sees."""
        output = self.exec(service, "python3", "-c", "import json, os; print(json.dumps(dict(os.environ)))")
        return dict(json.loads(output.strip().splitlines()[-1]))

    def airflow_json(self, *arguments: str) -> Any:
        """An Airflow CLI command with `-o json`, run in the scheduler container. Its exit code
        is not checked: `dags list-import-errors` exits 1 when it lists any."""
        output = self.exec(self.airflow_service, "airflow", *arguments, "-o", "json", check=False)
        for line in reversed(output.splitlines()):  # log lines may come first; the JSON is one line
            if line.startswith(("[{", "[]", "{")):
                return json.loads(line)
        raise ValueError(f"no JSON in the output of airflow {' '.join(arguments)}: {output[-500:]}")

    def sql(self, query: str) -> list[list[str]]:
        output = self.exec("postgres", "psql", "-U", "airflow", "-d", "airflow", "-At", "-F", "\t", "-c", query)
        return [line.split("\t") for line in output.splitlines() if line]

    def container_hostnames(self, service: str) -> set[str]:
        names = [c.name for c in self.project.containers() if c.service == service]
        inspected = subprocess.run(
            ["docker", "inspect", "--format", "{{.Config.Hostname}}", *names],
            capture_output=True,
            text=True,
            check=True,
        )
        return set(inspected.stdout.split())

    def dags_folder(self, service: str = "scheduler") -> set[str]:
        listing = self.exec(service, "find", "/usr/local/airflow/dags", "-type", "f", "-not", "-path", "*__pycache__*")
        return {line.removeprefix("/usr/local/airflow/dags/") for line in listing.split()}

    def s3(self) -> Minio:
        return Context.load().region().client()

    def role_keys(self) -> RoleCredentials:
        """The keys the environment's containers act as its execution role with."""
        return EnvironmentState(state_home(), self.name).role_credentials()

    def s3_as_role(self) -> Minio:
        """The S3 service as the environment's tasks reach it: with the execution role's keys."""
        region = Context.load().region()
        keys = self.role_keys()
        return make_client(region.endpoint(), keys.access_key, keys.secret_key, DEFAULT_REGION)

    def add_dag(self, file_name: str, text: str | None = None) -> None:
        target = self.workspace / "dags" / file_name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text if text is not None else (SAMPLES / file_name).read_text())

    def ensure_dag(self, dag_id: str, *files: str) -> None:
        """Deploy a sample DAG with its side files (if not deployed yet) and wait until Airflow
        lists it: each test brings what it needs, so it passes alone and in any order."""
        for file_name in files or (f"{dag_id}.py",):
            self.add_dag(file_name)
        self.deploy()
        self.wait_listed(dag_id)

    def wait_listed(self, dag_id: str, timeout: float = 120) -> None:
        wait_for(lambda: dag_id in self.dag_ids(), timeout, f"{dag_id} in `airflow dags list`", interval=2)

    def run_dag(self, dag_id: str, run_id: str, conf: dict[str, Any] | None = None, timeout: float = 180) -> str:
        """Trigger a run and wait until it finishes; returns its final state."""
        self.trigger(dag_id, run_id, conf)
        return wait_for(
            lambda: (state := self.run_state(dag_id, run_id)) in FINISHED and state,
            timeout,
            f"the run {dag_id}/{run_id} to finish",
        )

    def deploy(self) -> str:
        result = self.cli("deploy")
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def dag_ids(self) -> set[str]:
        return {entry["dag_id"] for entry in self.airflow_json("dags", "list")}

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        rows = self.sql(f"SELECT state FROM dag_run WHERE dag_id = '{dag_id}' AND run_id = '{run_id}'")
        return rows[0][0] if rows else None

    def unpause(self, dag_id: str) -> None:
        """New DAGs start paused, as on MWAA (`dags_are_paused_at_creation`)."""
        self.exec(self.airflow_service, "airflow", "dags", "unpause", dag_id)

    def trigger(self, dag_id: str, run_id: str, conf: dict[str, Any] | None = None) -> None:
        self.unpause(dag_id)
        extra = [f"--conf={json.dumps(conf)}"] if conf else []
        self.exec(self.airflow_service, "airflow", "dags", "trigger", dag_id, f"--run-id={run_id}", *extra)

    def xcoms(self, dag_id: str, run_id: str) -> dict[str, Any]:
        """The return values of a run's tasks, by task id."""
        where = f"dag_id = '{dag_id}' AND run_id = '{run_id}' AND key = 'return_value'"
        rows = self.sql(f"SELECT task_id, value FROM xcom WHERE {where}")
        return {task: decode_xcom(value) for task, value in rows}

    def task_hosts(self, dag_id: str, run_id: str) -> set[str]:
        query = f"SELECT hostname FROM task_instance WHERE dag_id = '{dag_id}' AND run_id = '{run_id}'"
        return {row[0] for row in self.sql(query)}

    def task_log(self, dag_id: str, run_id: str) -> str:
        """The task logs of a run, from every worker container (Airflow's log path on MWAA)."""
        folder = f"/usr/local/airflow/logs/dag_id={dag_id}/run_id={run_id}"
        found = [
            subprocess.run(
                ["docker", "exec", container.name, "sh", "-c", f"cat {shlex.quote(folder)}/*/*.log 2>/dev/null"],
                capture_output=True,
                text=True,
            ).stdout
            for container in self.containers(self.worker_service)
        ]
        return "".join(found)

    def logs(self, tail: int = 150) -> str:
        return self.compose("logs", "--no-color", f"--tail={tail}", check=False).stdout


@contextmanager
def role_grants(*statements: dict[str, Any]) -> Iterator[None]:
    """Attach `statements` to the session environments' execution role (MWAA's default role name,
    which they share) while the block runs, as a user grants a role more in IAM; then detach them."""
    path = policy_path(state_home(), role_name(DEFAULT_ROLE_ARN))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def s3_write_allowed(client: Minio, bucket: str, key: str) -> bool:
    """Whether `client` may put `key` now (the control plane applies a grant within seconds)."""
    try:
        client.put_object(bucket, key, io.BytesIO(b"probe"), 5)
    except S3Error as error:
        if error.code != "AccessDenied":
            raise
        return False
    return True


def decode_xcom(raw: str) -> Any:
    """XCom values as psql prints them: JSON (Airflow 3, jsonb) or bytea of JSON (Airflow 2)."""
    if raw.startswith("\\x"):
        raw = bytes.fromhex(raw[2:]).decode()
    return json.loads(raw)


def side_by_side(environments: dict[str, T], scenario: Callable[[T], None]) -> None:
    """Run a scenario on every version's environment at once: most of it is waiting (for
    restarts, parses, runs), so two run in about the time of one."""
    with ThreadPoolExecutor(max_workers=len(environments)) as pool:
        futures = {version: pool.submit(scenario, environment) for version, environment in environments.items()}
    for version, future in futures.items():
        error = future.exception()
        if error is not None:
            error.add_note(f"(on the Airflow {version} environment)")
            raise error
