"""A container's Airflow processes are forked from one warm parent and kept together: a stop
signal reaches each, and one ending stops the others (forked functions stand in for Airflow)."""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from emulator.runtime import components, group
from tests.support import wait_for

pytestmark = pytest.mark.unit


def warm_shutdown(ready: Path | None = None) -> Callable[[], int]:
    """Exits 0 on SIGTERM after a short "warm shutdown", like a Celery worker finishing its task;
    touches `ready` once its handler is in place."""

    def run() -> int:
        signal.signal(signal.SIGTERM, lambda *_: (time.sleep(0.3), sys.exit(0)))
        if ready is not None:
            ready.touch()
        time.sleep(60)
        return 5

    return run


def ends_with(code: int, after: float) -> Callable[[], int]:
    def run() -> int:
        time.sleep(after)
        return code

    return run


def test_one_process_ending_stops_the_others_and_gives_its_code() -> None:
    processes = group.Group()
    processes.start("worker", warm_shutdown())
    processes.start("scheduler", ends_with(3, 0.5))
    started = time.monotonic()
    assert processes.wait() == 3
    assert time.monotonic() - started < 10
    assert not processes.running
    assert processes.codes == {"scheduler": 3, "worker": 0}, "the worker got SIGTERM and shut down warm"


def test_a_stop_signal_reaches_every_process(tmp_path: Path) -> None:
    processes = group.Group()
    names = ("scheduler", "triggerer", "worker")
    for name in names:
        processes.start(name, warm_shutdown(tmp_path / name))
    wait_for(lambda: all((tmp_path / name).exists() for name in names), 10, "each child's stop handler")
    threading.Timer(0.2, processes.on_stop_signal, args=(signal.SIGTERM, None)).start()
    assert processes.wait() == 0
    assert processes.codes == {"scheduler": 0, "triggerer": 0, "worker": 0}


def test_a_child_killed_by_a_signal_reads_as_the_shell_would() -> None:
    processes = group.Group()
    processes.start("scheduler", lambda: os.kill(os.getpid(), signal.SIGKILL) or 0)
    assert processes.wait() == 128 + signal.SIGKILL


def test_a_child_that_raises_exits_1_and_never_runs_on_as_the_parent(tmp_path: Path) -> None:
    marker = tmp_path / "parent-code-ran-in-child"

    def broken() -> int:
        raise RuntimeError("boom")

    processes = group.Group()
    processes.start("scheduler", broken)
    if not processes.running:  # only a child that returned from start() would get here
        marker.write_text("yes")
    assert processes.wait() == 1
    assert not marker.exists()


def test_warm_up_keeps_the_collector_off_the_shared_heap() -> None:
    """Objects alive at the fork stay out of the children's collections, which would otherwise
    write to (and so copy) every shared page they scan."""
    try:
        group.warm_up()  # Airflow's modules are missing here: skipped, and the freeze still happens
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_components_come_from_the_environment() -> None:
    variable = components.COMPONENTS_VARIABLE
    assert components.group_names("hybrid", {variable: "scheduler,dag-processor,triggerer,worker"}) == [
        "scheduler",
        "dag-processor",
        "triggerer",
        "worker",
    ]
    assert components.group_names("hybrid", {}) == ["scheduler", "triggerer", "worker"]
    assert components.group_names("scheduler", {}) == ["scheduler"]
    assert components.group_names("scheduler", {variable: "scheduler,triggerer"}) == ["scheduler", "triggerer"]
    with pytest.raises(SystemExit, match="unknown components: webscheduler"):
        components.group_names("hybrid", {variable: "scheduler,webscheduler"})


def test_airflows_python_runs_the_group_with_each_components_arguments() -> None:
    command = components.group_command(["scheduler", "triggerer", "worker"], {})
    assert command[:2] == ["python3", str(components.GROUP_SCRIPT)]
    assert command[2:] == ["scheduler=scheduler", "triggerer=triggerer", "worker=celery worker"]
    assert group.parse(command[2:]) == [
        ("scheduler", ["scheduler"]),
        ("triggerer", ["triggerer"]),
        ("worker", ["celery", "worker"]),
    ]


def test_the_group_script_imports_nothing_of_mwaa_local() -> None:
    """Airflow's python runs it, where mwaa-local's packages are not installed."""
    source = components.GROUP_SCRIPT.read_text()
    assert "from emulator" not in source and "import emulator" not in source
