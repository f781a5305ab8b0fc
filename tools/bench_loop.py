"""`scripts/bench --loop-only`: the developer loop's rows, on examples/dag-tests' DAG.

- `parse`: `mwaa-local parse` of the workspace (no requirements), median of three, starting
  nothing (the issue's target: 10 s);
- `deploy --watch`: a new DAG file saved → its row in the metadata database, median of three
  (target: 2 s with the dev timings);
- `test`: `mwaa-local test example_pipeline`, the command's whole time (upload, the parse wait,
  the run, its logs)."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tools.bench import REPO, sql_condition, timed, wait_inside

EXAMPLE = REPO / "examples" / "dag-tests"
WATCHED = """from airflow import DAG

dag = DAG("{dag_id}", schedule=None)
"""


def bench_loop(name: str, workspace: Path, postgres: str) -> dict[str, Any]:
    shutil.copytree(EXAMPLE / "dags", workspace / "dags", dirs_exist_ok=True)
    command = [sys.executable, "-m", "emulator.cli", "--workspace", str(workspace)]

    def cli(*arguments: str) -> None:
        subprocess.run([*command, *arguments, "--name", name], check=True, capture_output=True, text=True)

    parse = [timed(lambda: cli("parse")) for _ in range(3)]
    result: dict[str, Any] = {"parse_seconds": statistics.median(parse), "parse_runs": parse}
    result["test_command_seconds"] = timed(lambda: cli("test", "example_pipeline"))
    watcher = subprocess.Popen(
        [*command, "deploy", "--watch", "--name", name],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        time.sleep(5)  # its first upload and its first snapshot
        saves = []
        for number in range(3):
            dag_id = f"bench_watch_{number}"
            started = time.monotonic()
            (workspace / "dags" / f"{dag_id}.py").write_text(WATCHED.format(dag_id=dag_id))
            wait_inside(postgres, sql_condition(f"select 1 from dag where dag_id = '{dag_id}'"), timeout=60)
            saves.append(round(time.monotonic() - started, 2))
    finally:
        watcher.terminate()
        watcher.wait(timeout=30)
    result |= {"watch_save_to_visible_seconds": statistics.median(saves), "watch_save_runs": saves}
    return result
