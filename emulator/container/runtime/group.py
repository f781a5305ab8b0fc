"""A container's Airflow components, forked from one parent that imported Airflow once.

Run as a script by Airflow's python (`python3 group.py <name>=<airflow arguments>...`, started by
emulator/container/runtime/components.py), so it imports only the standard library and Airflow.

MWAA's image runs its scheduler task's processes (scheduler, triggerer; every component on
mw1.micro's `hybrid`) as children of one container process (docs/reference.md §14.1); so does this.
Airflow's import is most of a component's start (seconds of CPU on a busy machine) and most of
its memory: the parent imports it once, freezes that heap out of the garbage collector's reach,
then forks each component. A child starts in a fraction of a second and shares the imported
pages with its siblings until it writes them; a container's memory counts a shared page once.

The children share the startup script's environment. A stop signal reaches each of them (a
worker's warm shutdown lets its tasks finish); when one ends by itself the others are stopped
too and the container exits with its code, so the engine's restart policy starts them again.

The web tier (`web-servers=<count>`) goes further, as gunicorn's preloading does: the parent also
builds Airflow's web application (and, on Airflow 3, the task execution API a task's first call
would build), and each of the `MinWebservers` web servers serves that one application on the
shared port 8080 (SO_REUSEPORT: the kernel spreads connections over them and passes over one
that stopped). Beside them runs the warm Airflow CLI behind `/aws_mwaa/cli` (cli_runner.py), as
MWAA runs CLI commands on its web servers. A web server or the runner that ends is started again,
the others serving meanwhile, as ECS replaces one of MWAA's web server tasks.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import importlib
import importlib.util
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable
from types import FrameType, ModuleType
from typing import Any

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# Modules every component needs, imported before the fork so no child pays for them. Names move
# between Airflow versions: a missing one is skipped. Celery's modules stay out: its app and
# broker pools are made per process, after the fork.
WARM_MODULES = (
    "airflow.__main__",
    "airflow.cli.cli_parser",
    "airflow.models",
    "airflow.jobs.job",
    "airflow.jobs.scheduler_job_runner",
    "airflow.jobs.triggerer_job_runner",
    "airflow.dag_processing.manager",
    "airflow.cli.commands.scheduler_command",
    "airflow.cli.commands.triggerer_command",
    "airflow.cli.commands.dag_processor_command",
    "airflow.cli.commands.local_commands.scheduler_command",
    "airflow.cli.commands.local_commands.triggerer_command",
    "airflow.cli.commands.local_commands.dag_processor_command",
)
# What Airflow 3's DAG processor imports at its first parse and the permission sync of the first
# DAG it writes (about a second on a busy machine, paid before a new DAG becomes visible).
DAG_PROCESSOR_WARM_MODULES = (
    "airflow.dag_processing.processor",
    "airflow.sdk.execution_time.supervisor",
    "airflow.api_fastapi.execution_api.app",
    "airflow.providers.fab.www.security_appless",
)
# Components that serve the task execution API in process (Airflow 3).
IN_PROCESS_API_COMPONENTS = frozenset({"dag-processor", "triggerer"})


def exit_code(status: int) -> int:
    """A child's wait status as a shell reports it: its code, or 128 + the signal that ended it."""
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def system_exit_code(stopped: SystemExit) -> int:
    if stopped.code is None or isinstance(stopped.code, int):
        return stopped.code or 0
    print(stopped.code, file=sys.stderr)
    return 1


WEB_SERVERS = "web-servers"
CLI_RUNNER = "cli runner"
DAG_PROCESSING_LOGS = "dag processing logs"
# On a volume only the web container and the edge mount (compose/environment.yaml).
CLI_RUNNER_SOCKET = "/usr/local/mwaa/cli-runner/runner.sock"
RESTART_AFTER_SECONDS = 10.0
# gunicorn's own access log format, used when Airflow's `webserver.access_logformat` is empty.
GUNICORN_ACCESS_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
WEB_PORT = 8080


class Group:
    """Forked processes that live and stop together; those named in `restarted` are started
    again when they end, the others stop the group."""

    def __init__(self, restarted: frozenset[str] = frozenset()) -> None:
        self.running: dict[int, str] = {}  # pid → component
        self.codes: dict[str, int] = {}
        self.stopping = False
        self.restarted = restarted
        self.runs: dict[str, Callable[[], int]] = {}
        self.started: dict[str, float] = {}

    def start(self, name: str, run: Callable[[], int]) -> None:
        """Fork a child that runs `run` and exits with its result; it never returns here."""
        if self.stopping:
            return
        self.runs[name] = run
        self.started[name] = time.monotonic()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid:
            self.running[pid] = name
            return
        code = 1
        try:
            for number in STOP_SIGNALS:
                signal.signal(number, signal.SIG_DFL)
            code = run()
        except SystemExit as stopped:
            code = system_exit_code(stopped)
        except BaseException:  # whatever happens, the child must not go on as the parent
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def restarts(self, name: str) -> bool:
        """A restarted process that ended soon after its start (it cannot bind its port, say)
        stops the group instead: the engine's restart policy backs off, a loop here would not."""
        lasted = time.monotonic() - self.started[name]
        return name in self.restarted and not self.stopping and lasted >= RESTART_AFTER_SECONDS

    def signal_all(self, number: int) -> None:
        for pid in self.running:
            try:
                os.kill(pid, number)
            except ProcessLookupError:
                continue

    def on_stop_signal(self, number: int, _frame: FrameType | None) -> None:
        self.stopping = True
        self.signal_all(number)

    def wait(self) -> int:
        """Until every child has ended: the first to end stops the others. Its exit code."""
        first: int | None = None
        while self.running:
            pid, status = os.wait()  # blocks without polling; a stop signal's handler runs meanwhile
            name = self.running.pop(pid, None)
            if name is None:
                continue
            self.codes[name] = exit_code(status)
            if self.restarts(name):
                print(f"mwaa-local: {name} exited with code {self.codes[name]}: starting it again", flush=True)
                self.start(name, self.runs[name])
                continue
            if first is None:
                first = self.codes[name]
                if not self.stopping:
                    print(f"mwaa-local: {name} exited with code {first}: stopping the other components", flush=True)
                    self.stopping = True
                    self.signal_all(signal.SIGTERM)
        return first or 0


def warm_up(commands: set[str]) -> None:
    """Import what the components need, then keep the collector off those objects, so the
    children's collections neither copy nor scan the shared pages."""
    modules = WARM_MODULES + (DAG_PROCESSOR_WARM_MODULES if "dag-processor" in commands else ())
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            continue
    if commands & IN_PROCESS_API_COMPONENTS:
        warm_in_process_execution_api()
    gc.collect()
    gc.freeze()


def warm_in_process_execution_api() -> None:
    """Each DAG processor and triggerer builds its own in-process task execution API at first use
    (about 0.9 s of CPU; the first parse waits for it). One built here first leaves theirs about a
    sixth of that: the versioned routes they share are made once. Building it starts no thread
    and opens no connection (its transport, which does, is made in the child)."""
    try:
        from airflow.api_fastapi.execution_api.app import InProcessExecutionAPI
    except ImportError:  # Airflow 2: no task execution API
        return
    InProcessExecutionAPI().app  # noqa: B018 (built on first access)


def detach_from_parent(title: str) -> None:
    """In a forked child: its own database connections and process title."""
    try:
        from airflow import settings

        engine = getattr(settings, "engine", None)
        if engine is not None:
            engine.dispose(close=False)  # a connection the parent opened is never the child's
    except ImportError:
        pass
    try:
        import setproctitle

        setproctitle.setproctitle(title)
    except ImportError:
        pass


def run_airflow(arguments: list[str]) -> int:
    """In a forked child: Airflow's own CLI, as `airflow <arguments>` would run it."""
    detach_from_parent("airflow " + " ".join(arguments))
    import airflow.__main__

    sys.argv = ["airflow", *arguments]
    airflow.__main__.main()
    return 0


def airflow_family() -> int:
    import airflow

    return int(airflow.__version__.split(".")[0])


def gunicorn_chosen() -> bool:
    """`api.server_type` = `gunicorn` (MWAA's on 3.2 and later)."""
    from airflow.configuration import conf

    return str(conf.get("api", "server_type", fallback="uvicorn")).lower() == "gunicorn"


def build_web_app(family: int) -> Any:
    """Airflow's web application as its web server command builds it: Airflow 3's API server
    (UI, REST API, task execution API), Airflow 2's Flask web server."""
    if family >= 3:
        os.environ.setdefault("AIRFLOW_API_APPS", "all")
        from airflow.api_fastapi.auth.tokens import get_signing_args

        get_signing_args()  # the JWT settings every web server must share, fixed before the fork
        from airflow.api_fastapi.main import app

        asyncio.run(warm_execution_api(app))
        return app
    from airflow.providers_manager import ProvidersManager
    from airflow.www.app import cached_app

    providers = ProvidersManager()  # what Airflow's gunicorn config loads before its fork
    providers.initialize_providers_configuration()
    providers.connection_form_widgets  # noqa: B018 (loaded on first access)
    return cached_app()


async def warm_execution_api(app: Any) -> None:
    """The task execution API builds its versioned routes at its first call (seconds of CPU
    and some 50 MiB): built here once, before the fork, no web server builds its own."""
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        answer = await client.get("/execution/health")
    print(f"mwaa-local: task execution API ready ({answer.status_code})", flush=True)


def shared_port_socket(port: int, host: str = "0.0.0.0") -> socket.socket:
    """A listening socket on the port every web server of the container binds (SO_REUSEPORT)."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listening.bind((host, port))
    listening.listen(2048)
    return listening


def serve_api(app: Any, number: int, count: int) -> int:
    """In a forked child: one of Airflow 3's API servers, uvicorn as `airflow api-server` runs
    it. Its log lines carry `web_server=<number>`."""
    import structlog
    import uvicorn
    from airflow.configuration import conf

    detach_from_parent(f"airflow api_server -- host:0.0.0.0 port:{WEB_PORT} (web server {number} of {count})")
    structlog.contextvars.bind_contextvars(web_server=number)
    timeout = conf.getint("api", "worker_timeout", fallback=120)
    config = uvicorn.Config(
        app,
        timeout_keep_alive=timeout,
        timeout_graceful_shutdown=timeout,
        access_log=False,  # Airflow's own middleware logs each request
        log_level=conf.get("logging", "uvicorn_logging_level", fallback="info").lower(),
        log_config=None,  # Airflow's structlog setup stays
    )
    uvicorn.Server(config).run(sockets=[shared_port_socket(WEB_PORT)])
    return 0


def serve_flask(app: Any, number: int, count: int) -> int:
    """In a forked child: one of Airflow 2's web servers, a gunicorn arbiter with Airflow's
    worker settings, its workers forked from the application built before."""
    from airflow.configuration import conf
    from gunicorn.app.base import BaseApplication

    detach_from_parent(f"airflow webserver (web server {number} of {count})")
    access_format = conf.get("webserver", "access_logformat", fallback="") or GUNICORN_ACCESS_FORMAT
    options = {
        "bind": f"0.0.0.0:{WEB_PORT}",
        "reuse_port": True,
        "workers": conf.getint("webserver", "workers"),
        "worker_class": conf.get("webserver", "worker_class"),
        "timeout": conf.getint("webserver", "web_server_worker_timeout"),
        "proc_name": f"airflow-webserver (web server {number} of {count})",  # gunicorn's process titles
        "accesslog": "-",
        "access_log_format": f"web_server={number} {access_format}",
    }

    class WebServer(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    WebServer().run()
    return 0


def web_server_name(number: int) -> str:
    return f"web server {number}"


def load_beside(file_name: str) -> ModuleType:
    """A module of emulator/container/runtime/, beside this file (no package to import it from here)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), file_name)
    spec = importlib.util.spec_from_file_location(f"mwaa_local_{file_name.removesuffix('.py')}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def load_cli_runner() -> ModuleType:
    return load_beside("cli_runner.py")


def run_dag_processing_logs(follower: ModuleType) -> int:
    detach_from_parent("mwaa-local DAG processing logs")
    from airflow.configuration import conf

    return int(follower.run(os.path.expanduser(conf.get("logging", "base_log_folder"))))


def start_dag_processing_logs(group: Group, wanted: dict[str, list[str]]) -> None:
    """Beside a container's DAG processing (the scheduler's on Airflow 2, the dag-processor's on
    3), the follower of its log files when the DagProcessingLogs type is enabled."""
    if not {"scheduler", "dag-processor"} & {arguments[0] for arguments in wanted.values()}:
        return
    follower = load_beside("dag_processing_logs.py")
    if follower.wanted()[0]:
        group.start(DAG_PROCESSING_LOGS, functools.partial(run_dag_processing_logs, follower))


def run_cli_runner(runner: ModuleType) -> int:
    detach_from_parent("airflow CLI runner (/aws_mwaa/cli)")
    return int(runner.main([CLI_RUNNER_SOCKET]))


def start_web_servers(group: Group, names: list[str]) -> None:
    """The web servers first, then the CLI runner: its warm-up (the CLI's modules) comes after
    they serve, and it shares what they share."""
    family = airflow_family()
    if family >= 3 and gunicorn_chosen():
        # MWAA's own way, an option away: Airflow's gunicorn, its workers the web servers.
        group.start(names[0], functools.partial(run_airflow, ["api-server", "--workers", str(len(names))]))
    else:
        app = build_web_app(family)
        gc.collect()
        gc.freeze()
        serve = serve_api if family >= 3 else serve_flask
        for number, name in enumerate(names, start=1):
            group.start(name, functools.partial(serve, app, number, len(names)))
    runner = load_cli_runner()
    runner.warm()
    gc.collect()
    gc.freeze()
    group.start(CLI_RUNNER, functools.partial(run_cli_runner, runner))


def parse(argv: list[str]) -> list[tuple[str, list[str]]]:
    """`<name>=<airflow arguments, space-separated>` for each component."""
    parsed = []
    for given in argv:
        name, separator, arguments = given.partition("=")
        if not separator or not name or not arguments.split():
            raise SystemExit(f"usage: group.py <name>=<airflow arguments>...; got {given!r}")
        parsed.append((name, arguments.split()))
    return parsed


def main(argv: list[str]) -> int:
    wanted = dict(parse(argv))
    if not wanted:
        raise SystemExit("usage: group.py <name>=<airflow arguments>... | web-servers=<count>")
    count = wanted.pop(WEB_SERVERS, ["0"])[0]
    if not count.isdigit():
        raise SystemExit(f"usage: group.py {WEB_SERVERS}=<count>; got {count!r}")
    web_servers = int(count)
    names = [web_server_name(number) for number in range(1, web_servers + 1)]
    group = Group(restarted=frozenset([*names, CLI_RUNNER, DAG_PROCESSING_LOGS]))
    for number in STOP_SIGNALS:
        signal.signal(number, group.on_stop_signal)
    if wanted:
        warm_up({arguments[0] for arguments in wanted.values()})
    for name, arguments in wanted.items():
        group.start(name, functools.partial(run_airflow, arguments))
    start_dag_processing_logs(group, wanted)
    if web_servers:
        start_web_servers(group, names)
    return group.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
