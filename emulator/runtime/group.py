"""A container's Airflow components, forked from one parent that imported Airflow once.

Run as a script by Airflow's python (`python3 group.py <name>=<airflow arguments>...`, started by
emulator/runtime/components.py), so it imports only the standard library and Airflow.

MWAA's image runs its scheduler task's processes (scheduler, triggerer; every component on
mw1.micro's `hybrid`) as children of one container process (reference §14.1); so does this.
Airflow's import is most of a component's start (seconds of CPU on a busy machine) and most of
its memory: the parent imports it once, freezes that heap out of the garbage collector's reach,
then forks each component. A child starts in a fraction of a second and shares the imported
pages with its siblings until it writes them; a container's memory counts a shared page once.

The children share the startup script's environment. A stop signal reaches each of them (a
worker's warm shutdown lets its tasks finish); when one ends by itself the others are stopped
too and the container exits with its code, so the engine's restart policy starts them again.
"""

from __future__ import annotations

import functools
import gc
import importlib
import os
import signal
import sys
import traceback
from collections.abc import Callable
from types import FrameType

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


def exit_code(status: int) -> int:
    """A child's wait status as a shell reports it: its code, or 128 + the signal that ended it."""
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def system_exit_code(stopped: SystemExit) -> int:
    if stopped.code is None or isinstance(stopped.code, int):
        return stopped.code or 0
    print(stopped.code, file=sys.stderr)
    return 1


class Group:
    """Forked processes that live and stop together."""

    def __init__(self) -> None:
        self.running: dict[int, str] = {}  # pid → component
        self.codes: dict[str, int] = {}
        self.stopping = False

    def start(self, name: str, run: Callable[[], int]) -> None:
        """Fork a child that runs `run` and exits with its result; it never returns here."""
        if self.stopping:
            return
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
            if first is None:
                first = self.codes[name]
                if not self.stopping:
                    print(f"mwaa-local: {name} exited with code {first}: stopping the other components", flush=True)
                    self.stopping = True
                    self.signal_all(signal.SIGTERM)
        return first or 0


def warm_up() -> None:
    """Import what every component needs, then keep the collector off those objects, so the
    children's collections neither copy nor scan the shared pages."""
    for module in WARM_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            continue
    gc.collect()
    gc.freeze()


def run_airflow(arguments: list[str]) -> int:
    """In a forked child: Airflow's own CLI, as `airflow <arguments>` would run it."""
    try:
        from airflow import settings

        engine = getattr(settings, "engine", None)
        if engine is not None:
            engine.dispose(close=False)  # a connection the parent opened is never the child's
    except ImportError:
        pass
    try:
        import setproctitle

        setproctitle.setproctitle("airflow " + " ".join(arguments))
    except ImportError:
        pass
    import airflow.__main__

    sys.argv = ["airflow", *arguments]
    airflow.__main__.main()
    return 0


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
    wanted = parse(argv)
    if not wanted:
        raise SystemExit("usage: group.py <name>=<airflow arguments>...")
    group = Group()
    for number in STOP_SIGNALS:
        signal.signal(number, group.on_stop_signal)
    warm_up()
    for name, arguments in wanted:
        group.start(name, functools.partial(run_airflow, arguments))
    return group.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
