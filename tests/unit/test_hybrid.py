"""mw1.micro's hybrid container keeps its Airflow processes together: a stop signal reaches
each, and one ending stops the others (real processes stand in for Airflow's)."""

from __future__ import annotations

import signal
import sys
import threading
import time

import pytest

from emulator.runtime import hybrid

pytestmark = pytest.mark.unit

# Exits 0 on SIGTERM after a short "warm shutdown", like a Celery worker finishing its task.
WARM = (
    "import signal, sys, time\nsignal.signal(signal.SIGTERM, lambda *a: (time.sleep(0.3), sys.exit(0)))\ntime.sleep(60)"
)


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_one_process_ending_stops_the_others_and_gives_its_code() -> None:
    group = hybrid.Group()
    group.start("worker", python(WARM), {})
    group.start("scheduler", python("import sys, time; time.sleep(0.5); sys.exit(3)"), {})
    started = time.monotonic()
    assert group.wait() == 3
    assert time.monotonic() - started < 10
    assert all(process.poll() is not None for process in group.processes.values())
    assert group.processes["worker"].returncode == 0, "the worker got SIGTERM and shut down warm"


def test_a_stop_signal_reaches_every_process() -> None:
    group = hybrid.Group()
    for name in ("scheduler", "triggerer", "worker"):
        group.start(name, python(WARM), {})
    time.sleep(0.5)  # let them install their handlers
    threading.Timer(0.2, group.on_stop_signal, args=(signal.SIGTERM, None)).start()
    assert group.wait() == 0
    assert [process.returncode for process in group.processes.values()] == [0, 0, 0]


def test_the_components_come_from_the_environment() -> None:
    variable = hybrid.HYBRID_COMPONENTS_VARIABLE
    assert hybrid.component_names({variable: "scheduler,dag-processor,triggerer,worker"}) == [
        "scheduler",
        "dag-processor",
        "triggerer",
        "worker",
    ]
    assert hybrid.component_names({}) == ["scheduler", "triggerer", "worker"]
    with pytest.raises(SystemExit, match="unknown components: webscheduler"):
        hybrid.component_names({variable: "scheduler,webscheduler"})
