"""The DAG processor's own log files, as MWAA ships them to the `DAGProcessing` group
(docs/reference.md §21): one stream per DAG file, named after it (`<file>.py.log`, Airflow's
processor file name), and `dag_processor_manager.log` for Airflow 2's manager.

Airflow writes them under its log folder (`scheduler/<date>/…` on Airflow 2,
`dag_processor/<date>/<bundle>/…` on Airflow 3). This follows those files and prints each new
line at or above the log type's level on the container's output, tagged
`dag_processing[<stream>] <LEVEL>: `, where the control plane's log shipper routes it. Airflow 3's JSON
lines are written as Airflow 2's text ones. Each printed line names its level (a traceback's
lines their message's), so the control plane need not guess it. Standard library only: group.py loads it beside
itself and forks it as one of the container's processes.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

# emulator/model/container_contract.py: DAG_PROCESSING_MARKER (a unit test checks they agree).
MARKER = "dag_processing"
# Under the log folder: each root and how many folders (date, bundle) come before the DAG file's path.
ROOTS = (("scheduler", 1), ("dag_processor", 2), ("dag_processor_manager", 0))
POLL_SECONDS = 1.0
DATE_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}")
KEPT_DAYS = 2
READ_LIMIT = 1024 * 1024  # per file and poll: a huge burst is shipped over several polls
_TEXT_LEVEL = re.compile(r"\} (DEBUG|INFO|WARNING|ERROR|CRITICAL) - ")
LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
    "CRITICAL": logging.CRITICAL,
}


def level_of(line: str) -> int | None:
    if line.startswith("{"):
        try:
            record = json.loads(line)
        except ValueError:
            return None
        name = str(record.get("level", "")).upper() if isinstance(record, dict) else ""
        return LEVELS.get(name)
    # Airflow 2 writes what a DAG file's parse logs through its captured output, at INFO
    # (`{logging_mixin.py:190} INFO - [...] {dagbag.py:387} ERROR - Failed to import`): the
    # inner level, the last, is the line's.
    found = _TEXT_LEVEL.findall(line[:300])
    return LEVELS[found[-1]] if found else None


def as_text(line: str) -> str:
    """Airflow 3's structured line as Airflow 2 prints one; anything else as it is."""
    if not line.startswith("{"):
        return line
    try:
        record = json.loads(line)
    except ValueError:
        return line
    if not isinstance(record, dict) or "event" not in record:
        return line
    where = f"{record.get('filename', '')}:{record.get('lineno', '')}"
    text = f"[{record.get('timestamp', '')}] {{{where}}} {str(record.get('level', '')).upper()} - {record['event']}"
    error = record.get("exception") or record.get("error_detail")
    if not error:
        return text
    return f"{text}\n{error if isinstance(error, str) else traceback_text(error)}"


def traceback_text(stacks: object) -> str:
    """structlog's exception (a list of stacks of frames) as Python prints a traceback."""
    if not isinstance(stacks, list) or not all(isinstance(stack, dict) for stack in stacks):
        return json.dumps(stacks)
    lines: list[str] = []
    for stack in stacks:
        lines.append("Traceback (most recent call last):")
        for frame in stack.get("frames") or []:
            where = (
                f'  File "{frame.get("filename", "?")}", line {frame.get("lineno", "?")}, in {frame.get("name", "?")}'
            )
            lines.append(where)
        lines.append(f"{stack.get('exc_type', 'Exception')}: {stack.get('exc_value', '')}")
    return "\n".join(lines)


def stream_name(relative: str, skipped: int) -> str:
    """The DAG file's log path without its date (and bundle) folders."""
    parts = relative.split(os.sep)
    return "/".join(parts[skipped:]) if len(parts) > skipped else parts[-1]


@dataclass
class Followed:
    offset: int
    level: int = logging.INFO  # the last line's: a traceback's lines keep it
    partial: str = ""


@dataclass
class DagProcessingLogs:
    folder: str
    minimum: int
    out: TextIO = sys.stdout
    files: dict[str, Followed] = field(default_factory=dict)

    def log_files(self) -> Iterator[tuple[str, str]]:
        """(path, stream) of every log file under the roots (symbolic links such as `latest`
        skipped). Of the dated folders only the newest two are walked (today's, and yesterday's
        for a file still written across midnight): older days are never written again."""
        for root, skipped in ROOTS:
            base = os.path.join(self.folder, root)
            for directory, folders, names in os.walk(base):
                folders[:] = [name for name in folders if not os.path.islink(os.path.join(directory, name))]
                if directory == base and skipped:
                    dated = sorted(name for name in folders if DATE_FOLDER.fullmatch(name))
                    folders[:] = [name for name in folders if name not in dated[:-KEPT_DAYS]]
                for name in names:
                    path = os.path.join(directory, name)
                    if name.endswith(".log") and not os.path.islink(path):
                        yield path, stream_name(os.path.relpath(path, base), skipped)

    def start_at_the_end(self) -> None:
        """What was written before this process started (a restart's history) is not shipped again."""
        for path, _ in self.log_files():
            self.files[path] = Followed(os.path.getsize(path))

    def poll(self) -> int:
        """Print the new complete lines of every file; how many were printed."""
        printed = 0
        for path, stream in self.log_files():
            followed = self.files.setdefault(path, Followed(0))
            try:
                size = os.path.getsize(path)
                if size < followed.offset:  # truncated or replaced: read it again from the start
                    followed.offset, followed.partial = 0, ""
                if size == followed.offset:
                    continue
                with open(path, "rb") as handle:
                    handle.seek(followed.offset)
                    data = handle.read(READ_LIMIT)
            except OSError:
                continue  # removed meanwhile
            followed.offset += len(data)
            *lines, followed.partial = (followed.partial + data.decode("utf-8", errors="replace")).split("\n")
            for line in lines:
                printed += self.emit(stream, followed, line)
        self.out.flush()
        return printed

    def emit(self, stream: str, followed: Followed, line: str) -> int:
        if not line.strip():
            return 0
        level = level_of(line)
        followed.level = followed.level if level is None else level
        if followed.level < self.minimum:
            return 0
        name = logging.getLevelName(followed.level)
        for text in as_text(line).split("\n"):
            self.out.write(f"{MARKER}[{stream}] {name}: {text}\n")
        return 1


def wanted() -> tuple[bool, int]:
    """Whether the environment ships DAG processing logs, and at which level (MWAA's variables)."""
    enabled = os.environ.get("MWAA__LOGGING__AIRFLOW_DAGPROCESSOR_LOGS_ENABLED", "false").lower() == "true"
    level = os.environ.get("MWAA__LOGGING__AIRFLOW_DAGPROCESSOR_LOG_LEVEL", "INFO").upper()
    return enabled, LEVELS.get(level, logging.INFO)


def run(folder: str) -> int:
    _, minimum = wanted()
    follower = DagProcessingLogs(folder, minimum)
    follower.start_at_the_end()
    while True:
        try:
            follower.poll()
        except Exception as error:  # never the scheduler's end: group.py stops siblings of a process that ends
            print(f"mwaa-local: DAG processing logs: {error!r}", file=sys.stderr, flush=True)
        time.sleep(POLL_SECONDS)
