"""`parse`: import the workspace's DAG files as the environment's DAG processor would, in a
throwaway container of its image (requirements.txt installed, plugins/ in the plugins folder),
and report every import error with its file and line, DAG cycles and duplicate DAG ids.

The DAG folder is a copy of the workspace's dags/ at MWAA's path, so a file reads as
`dags/<file>` in both the report and the DAG processor's own messages; `.airflowignore` and
safe mode apply as Airflow applies them. The database is a throwaway SQLite file: importing a
DAG needs none, and the report never claims to have checked what the database would.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.container.runtime import configuration

WORKSPACE = Path("/workspace")
DAGS = configuration.AIRFLOW_HOME / "dags"
# `File "/usr/local/airflow/dags/x.py", line 3` in a traceback: the user's own frames.
_FRAME = re.compile(r'File "(?P<path>[^"]+)", line (?P<line>\d+)')
_USER_FOLDERS = (str(DAGS) + "/", str(configuration.PLUGINS) + "/")


@dataclass(frozen=True)
class ImportProblem:
    """One file's import error as the report prints it."""

    file: str
    line: int | None
    error: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.error}"


def shown_path(path: str) -> str:
    """`/usr/local/airflow/dags/x.py` → `dags/x.py`: the workspace's own name for it."""
    prefix = str(configuration.AIRFLOW_HOME) + "/"
    return path[len(prefix) :] if path.startswith(prefix) else path


def problem_of(file: str, message: str) -> ImportProblem:
    """The file, the line of the innermost frame in the user's code, and the exception (a
    traceback's last line, or the whole message when Airflow kept no traceback)."""
    frames = [match for match in _FRAME.finditer(message) if match["path"].startswith(_USER_FOLDERS)]
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    error = (lines[-1] if lines else "unknown error").replace(str(configuration.AIRFLOW_HOME) + "/", "")
    if frames:
        innermost = frames[-1]
        return ImportProblem(shown_path(innermost["path"]), int(innermost["line"]), error)
    return ImportProblem(shown_path(file), None, error)


def copy_workspace(workspace: Path) -> None:
    """The DAG folder and the plugins folder as deploy and an update would fill them."""
    skipped = shutil.ignore_patterns("__pycache__")
    if (workspace / "dags").is_dir():
        shutil.copytree(workspace / "dags", DAGS, dirs_exist_ok=True, ignore=skipped)
    # The image may hold an earlier plugins/ (copied for requirements.txt's --find-links).
    shutil.rmtree(configuration.PLUGINS, ignore_errors=True)
    configuration.PLUGINS.mkdir(parents=True)
    if (workspace / "plugins").is_dir():
        shutil.copytree(workspace / "plugins", configuration.PLUGINS, dirs_exist_ok=True, ignore=skipped)
    elif (workspace / "plugins.zip").is_file():
        configuration.extract_plugins(workspace / "plugins.zip", "plugins.zip")


def dag_bag_class() -> Any:
    """Airflow 3 moved the DagBag to the DAG processor's package."""
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:
        from airflow.models.dagbag import DagBag
    return DagBag


def parse(workspace: Path = WORKSPACE) -> int:
    """Print the report; 0 when every DAG file imports, 1 otherwise (2: unreadable workspace)."""
    try:
        copy_workspace(workspace)
    except PermissionError as error:
        print(
            f"ERROR: the container's airflow user (uid {os.getuid()}) cannot read {error.filename}: make the "
            "workspace readable to others (`chmod -R a+rX <workspace>`).",
            flush=True,
        )
        return 2
    started = time.monotonic()
    bag = dag_bag_class()(dag_folder=str(DAGS))  # examples: off, as MWAA forces
    problems = sorted(
        (problem_of(file, message) for file, message in bag.import_errors.items()), key=lambda found: found.file
    )
    for problem in problems:
        print(f"ERROR {problem}", flush=True)
    files, dags = len(bag.file_last_changed), len(bag.dags)
    seconds = time.monotonic() - started
    summary = f"{files} DAG file(s), {dags} DAG(s), {len(problems)} import error(s) in {seconds:.1f} s"
    print(("FAILED: " if problems else "OK: ") + summary, flush=True)
    return 1 if problems else 0


if __name__ == "__main__":  # run on Airflow's interpreter (emulator/docker/workspace_container.py)
    sys.exit(parse())
