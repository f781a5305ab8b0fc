"""A container's Airflow processes are forked from one warm parent and kept together: a stop
signal reaches each, and one ending stops the others (forked functions stand in for Airflow)."""

from __future__ import annotations

import gc
import os
import select
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from emulator.container.runtime import components, group
from emulator.docker.ports import free_port
from emulator.model.container_contract import COMPONENTS_VARIABLE
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
        # Airflow's modules are missing here: skipped, and the freeze still happens
        group.warm_up({"scheduler", "dag-processor"})
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_web_server_that_ends_is_started_again_while_the_others_serve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(group, "RESTART_AFTER_SECONDS", 0.2)
    starts = tmp_path / "starts"

    def serves_then_ends() -> int:
        with starts.open("a") as file:
            file.write("started\n")
        if starts.read_text().count("started") < 3:
            time.sleep(0.5)  # served a while, then ended (killed, crashed)
            return 1
        time.sleep(60)
        return 0

    processes = group.Group(restarted=frozenset({"web server 1"}))
    processes.start("web server 1", serves_then_ends)
    processes.start("web server 2", warm_shutdown())
    waiting = threading.Thread(target=processes.wait)
    waiting.start()
    wait_for(lambda: starts.exists() and starts.read_text().count("started") == 3, 20, "the third start")
    assert sorted(processes.running.values()) == ["web server 1", "web server 2"], "both serve again"
    processes.on_stop_signal(signal.SIGTERM, None)
    waiting.join(timeout=20)
    assert not processes.running and processes.codes == {"web server 1": 128 + signal.SIGTERM, "web server 2": 0}


def test_a_web_server_that_ends_at_once_stops_the_group_instead_of_looping() -> None:
    """It could not bind its port, say: the engine's restart policy backs off, a loop would not."""
    processes = group.Group(restarted=frozenset({"web server 1"}))
    processes.start("web server 1", ends_with(4, 0.1))
    processes.start("web server 2", warm_shutdown())
    assert processes.wait() == 4
    assert processes.codes == {"web server 1": 4, "web server 2": 0}


def test_web_servers_share_their_port_and_the_kernel_spreads_connections_over_them() -> None:
    port = free_port()
    first, second = group.shared_port_socket(port, "127.0.0.1"), group.shared_port_socket(port, "127.0.0.1")
    try:
        accepted = {id(first): 0, id(second): 0}
        for _ in range(40):
            with socket.create_connection(("127.0.0.1", port)):
                ready, _, _ = select.select([first, second], [], [], 5)
                for listening in ready:
                    connection, _ = listening.accept()
                    connection.close()
                    accepted[id(listening)] += 1
        assert sum(accepted.values()) == 40 and all(accepted.values()), accepted
        second.close()  # a web server that stopped: the other gets every new connection
        for _ in range(5):
            with socket.create_connection(("127.0.0.1", port)):
                connection, _ = first.accept()
                connection.close()
    finally:
        first.close()
        second.close()


def test_the_web_container_runs_its_web_servers_in_one_group() -> None:
    assert group.parse(["web-servers=2"]) == [("web-servers", ["2"])]
    with pytest.raises(SystemExit, match="web-servers=<count>"):
        group.main(["web-servers=two"])


def test_the_components_come_from_the_environment() -> None:
    variable = COMPONENTS_VARIABLE
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


def test_a_second_scheduler_and_triggerer_leave_the_log_server_to_the_first() -> None:
    """MWAA's scheduler tasks in one container: one logs folder, one log server port each."""
    command = components.group_command(["scheduler", "triggerer", "scheduler", "triggerer", "dag-processor"], {})
    assert group.parse(command[2:]) == [
        ("scheduler", ["scheduler"]),
        ("triggerer", ["triggerer"]),
        ("scheduler-2", ["scheduler", "--skip-serve-logs"]),
        ("triggerer-2", ["triggerer", "--skip-serve-logs"]),
        ("dag-processor", ["dag-processor"]),
    ]


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


def test_the_dag_processing_follower_loads_beside_the_group_and_starts_only_when_wanted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    follower = group.load_beside("dag_processing_logs.py")
    assert follower.Followed(offset=3).offset == 3, "its dataclasses work when loaded by path"
    started: list[str] = []

    class Recorder(group.Group):
        def start(self, name: str, run: Callable[[], int]) -> None:
            started.append(name)

    scheduler = {"scheduler 1": ["scheduler"], "triggerer 1": ["triggerer"]}
    monkeypatch.setenv("MWAA__LOGGING__AIRFLOW_DAGPROCESSOR_LOGS_ENABLED", "false")
    group.start_dag_processing_logs(Recorder(), scheduler)
    monkeypatch.setenv("MWAA__LOGGING__AIRFLOW_DAGPROCESSOR_LOGS_ENABLED", "true")
    group.start_dag_processing_logs(Recorder(), {"worker": ["celery", "worker"]})
    assert started == [], "disabled, or no DAG processing in the container"
    group.start_dag_processing_logs(Recorder(), scheduler)
    assert started == [group.DAG_PROCESSING_LOGS]
