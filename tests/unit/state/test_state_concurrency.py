"""State files under concurrent mwaa-local commands: atomic private writes and a lock per environment."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import pytest

from emulator.model.errors import StateError
from emulator.state import private_files
from emulator.state.home import EnvironmentState, LocalSettings, RegionState
from emulator.state.private_files import write_private

SPAWN = multiprocessing.get_context("spawn")
WRITERS = 8
ROUNDS = 25
PAYLOAD = 200_000  # characters a write: big enough that writes take a while and overlap


def payload(writer: int, round_: int) -> str:
    return json.dumps({"writer": writer, "round": round_, "data": str(writer) * PAYLOAD})


def write_many(path: str, writer: int, start: Event) -> None:
    start.wait(30)
    for round_ in range(ROUNDS):
        write_private(Path(path), payload(writer, round_))


@contextmanager
def running(*processes: BaseProcess) -> Iterator[None]:
    """Start the processes; whatever happens, none outlives the test."""
    try:
        for process in processes:
            process.start()
        yield
    finally:
        for process in processes:
            process.join(60)
            if process.is_alive():
                process.terminate()
                process.join(5)


def test_concurrent_writers_always_leave_one_complete_file(tmp_path: Path) -> None:
    path = tmp_path / "state" / "secrets.json"
    start = SPAWN.Event()
    writers = [SPAWN.Process(target=write_many, args=(str(path), index, start)) for index in range(WRITERS)]
    with running(*writers):
        start.set()
        for writer in writers:
            writer.join(60)
    assert [writer.exitcode for writer in writers] == [0] * WRITERS, "no writer failed"
    data = json.loads(path.read_text())
    assert data == json.loads(payload(data["writer"], data["round"])), "one writer's whole content"
    assert data["round"] == ROUNDS - 1, "each writer's last write replaced its earlier ones"
    assert sorted(entry.name for entry in path.parent.iterdir()) == ["secrets.json"], "no temporary files left"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "local.json"
    write_private(path, '{"web_port": 8080}')

    def fail(source: Any, target: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(private_files.os, "replace", fail)
    with pytest.raises(OSError, match="No space left on device"):
        write_private(path, '{"web_port": 9090}')
    monkeypatch.undo()
    assert path.read_text() == '{"web_port": 8080}'
    assert [entry.name for entry in tmp_path.iterdir()] == ["local.json"]


def hold_lock(home: str, name: str, held: Event, release: Event, times: Any) -> None:
    with EnvironmentState(Path(home), name).lock(timeout=30):
        times.put(("first acquired", time.monotonic()))
        held.set()
        release.wait(30)
        times.put(("first releases", time.monotonic()))


def take_lock(home: str, name: str, times: Any, waiting: Event) -> None:
    times.put(("second waits", time.monotonic()))
    waiting.set()
    with EnvironmentState(Path(home), name).lock(timeout=30):
        times.put(("second acquired", time.monotonic()))


def test_a_second_command_waits_for_the_lock(tmp_path: Path) -> None:
    held, release, times, waiting = SPAWN.Event(), SPAWN.Event(), SPAWN.Queue(), SPAWN.Event()
    first = SPAWN.Process(target=hold_lock, args=(str(tmp_path), "team", held, release, times))
    second = SPAWN.Process(target=take_lock, args=(str(tmp_path), "team", times, waiting))
    with running(first):
        assert held.wait(30), "the first process took the lock"
        with running(second):
            assert waiting.wait(30), "the second process started (a spawn takes seconds on a busy machine)"
            time.sleep(1.0)
            assert second.is_alive(), "the second process waits while the first holds the lock"
            release.set()
            second.join(30)
    assert (first.exitcode, second.exitcode) == (0, 0)
    events = dict(times.get(timeout=5) for _ in range(4))
    assert events["first acquired"] < events["second waits"] < events["first releases"] < events["second acquired"]


def test_waiting_too_long_for_the_lock_is_a_state_error(tmp_path: Path) -> None:
    held, release, times = SPAWN.Event(), SPAWN.Event(), SPAWN.Queue()
    first = SPAWN.Process(target=hold_lock, args=(str(tmp_path), "team", held, release, times))
    with running(first):
        assert held.wait(30)
        started = time.monotonic()
        with pytest.raises(StateError) as caught, EnvironmentState(tmp_path, "team").lock(timeout=0.5):
            pass
        waited = time.monotonic() - started
        release.set()
    assert 0.5 <= waited < 5
    assert caught.value.message == (
        "Another mwaa-local command is changing environment team (waited 0.5s for it to finish)."
    )
    assert caught.value.hint == "Let that command finish (or stop it), then run this one again."
    with EnvironmentState(tmp_path, "team").lock(timeout=5):
        pass  # free again once the holder is done


def test_environments_and_the_region_have_locks_of_their_own(tmp_path: Path) -> None:
    with (
        EnvironmentState(tmp_path, "a").lock(timeout=1),
        EnvironmentState(tmp_path, "b").lock(timeout=1),
        RegionState(tmp_path).lock(timeout=1),
        pytest.raises(StateError) as caught,
        RegionState(tmp_path).lock(timeout=0.2),
    ):
        pass
    assert caught.value.message == (
        "Another mwaa-local command is changing the region (S3 service) (waited 0.2s for it to finish)."
    )


def test_an_environment_folder_can_be_deleted_under_its_lock(tmp_path: Path) -> None:
    """`down --volumes` deletes the environment's folder while it holds the lock."""
    state = EnvironmentState(tmp_path, "team")
    with state.lock(timeout=1):
        state.save_local_settings(LocalSettings())
        shutil.rmtree(state.directory)
        with pytest.raises(StateError), state.lock(timeout=0.2):
            pass
    assert not state.directory.exists()
    assert [path.name for path in (tmp_path / "locks").iterdir()] == ["environment-team.lock"]
    with state.lock(timeout=1):
        pass


def test_a_lock_file_deleted_while_waiting_is_replaced(tmp_path: Path) -> None:
    held, release, times, waiting = SPAWN.Event(), SPAWN.Event(), SPAWN.Queue(), SPAWN.Event()
    first = SPAWN.Process(target=hold_lock, args=(str(tmp_path), "team", held, release, times))
    second = SPAWN.Process(target=take_lock, args=(str(tmp_path), "team", times, waiting))
    with running(first):
        assert held.wait(30)
        with running(second):
            assert waiting.wait(30)
            time.sleep(0.5)
            shutil.rmtree(tmp_path / "locks")  # the second waits on a file that is gone
            release.set()
            second.join(30)
    assert (first.exitcode, second.exitcode) == (0, 0)
    assert (tmp_path / "locks" / "environment-team.lock").exists(), "the second locked a file that exists"


def hold_in_use(home: str, holding: Event, release: Event) -> None:
    with RegionState(Path(home)).in_use():
        holding.set()
        release.wait(30)


def test_down_finds_the_region_in_use_while_an_up_is_under_way_elsewhere(tmp_path: Path) -> None:
    region = RegionState(tmp_path)
    with region.unused() as free:
        assert free, "no `up` under way: the last `down` may stop the region"
    holding, release = multiprocessing.Event(), multiprocessing.Event()
    up_elsewhere = multiprocessing.Process(target=hold_in_use, args=(str(tmp_path), holding, release))
    with running(up_elsewhere):
        assert holding.wait(30)
        with region.in_use():  # a second `up` at the same time is welcome
            pass
        with region.unused() as free:
            assert not free, "an `up` in another process is starting an environment on the region"
        release.set()
        up_elsewhere.join(30)
    with region.unused() as free:
        assert free
