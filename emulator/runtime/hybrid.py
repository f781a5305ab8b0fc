"""mw1.micro's one container, as MWAA's `hybrid` command runs it: the scheduler, the
dag-processor (Airflow 3), the triggerer and a Celery worker side by side.

The processes share the startup script's environment. A stop signal reaches each of them (the
worker's warm shutdown lets its tasks finish); when one ends by itself the others are stopped
too and the container exits with its code, so the engine's restart policy starts them again.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from types import FrameType

from emulator.runtime import components
from emulator.runtime.health import HYBRID_COMPONENTS_VARIABLE, HYBRID_DEFAULT_COMPONENTS

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
POLL_SECONDS = 0.5


def component_names(environment: dict[str, str]) -> list[str]:
    names = [name.strip() for name in environment.get(HYBRID_COMPONENTS_VARIABLE, HYBRID_DEFAULT_COMPONENTS).split(",")]
    unknown = [name for name in names if name not in components.COMPONENTS]
    if unknown or not names:
        raise SystemExit(f"mwaa-local: {HYBRID_COMPONENTS_VARIABLE} names unknown components: {', '.join(unknown)}")
    return names


class Group:
    """Processes that live and stop together."""

    def __init__(self) -> None:
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = False

    def start(self, name: str, arguments: list[str], environment: dict[str, str]) -> None:
        self.processes[name] = subprocess.Popen(arguments, env=environment)

    def signal_all(self, number: int) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(number)

    def on_stop_signal(self, number: int, _frame: FrameType | None) -> None:
        self.stopping = True
        self.signal_all(number)

    def wait(self) -> int:
        """Until one process ends; then stop the others and wait for them. Its exit code."""
        while True:
            ended = next((name for name, process in self.processes.items() if process.poll() is not None), None)
            if ended is not None:
                break
            time.sleep(POLL_SECONDS)
        code = self.processes[ended].returncode
        if not self.stopping:
            print(f"mwaa-local: {ended} exited with code {code}: stopping the other components", flush=True)
            self.stopping = True
            self.signal_all(signal.SIGTERM)
        for process in self.processes.values():
            process.wait()
        return code


def main() -> int:
    environment = components.prepare()
    group = Group()
    for number in STOP_SIGNALS:
        signal.signal(number, group.on_stop_signal)
    for name in component_names(environment):
        group.start(name, components.command(components.COMPONENTS[name], environment), environment)
    return group.wait()


if __name__ == "__main__":
    sys.exit(main())
