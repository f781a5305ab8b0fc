"""requirements.txt, plugins.zip and startup.sh as MWAA accepts them: the checks the control
plane makes before it builds an environment's configured image, and the image repeats when it
applies them (emulator/container/runtime/configuration.py).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

OPTION_LINE = re.compile(r"^\s*-")
PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+)")

# The files of a staging folder, and the manifest naming their bucket objects.
FILES = {"requirements": "requirements.txt", "plugins": "plugins.zip", "startup": "startup.sh"}
STAGED_MANIFEST = "configuration.json"


class ConfigurationError(Exception):
    pass


def check_zip(path: Path, described: str) -> list[zipfile.ZipInfo]:
    """The zip's members; ConfigurationError when it is not a readable zip or escapes its folder."""
    try:
        with zipfile.ZipFile(path) as archive:
            broken = archive.testzip()
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise ConfigurationError(f"{described} is not a valid zip file: {error}") from error
    if broken is not None:
        raise ConfigurationError(f"{described} is corrupt: its member {broken} fails its CRC check")
    for member in members:
        name = PurePosixPath(member.filename)
        if name.is_absolute() or ".." in name.parts:
            raise ConfigurationError(f"{described} holds {member.filename}, outside the plugins folder")
    return members


def describe(manifest: dict[str, dict[str, str]], kind: str) -> str:
    entry = manifest.get(kind) or {}
    where = f"s3://{entry.get('bucket', '?')}/{entry.get('key', '?')}"
    return f"{FILES[kind]} ({where} version {entry.get('version', '?')})"


@dataclass(frozen=True)
class Conflict:
    line: int
    text: str
    package: str
    pinned: str

    def message(self) -> str:
        return (
            f"requirements.txt line {self.line}: {self.text!r} would change {self.package}, which MWAA pins to "
            f"{self.pinned} (its essential constraints: Airflow, Celery, SQLAlchemy and the web server's "
            "packages cannot change)"
        )


def pins(constraints: str) -> dict[str, str]:
    """`name==version` lines of a constraints file, by canonical name."""
    found: dict[str, str] = {}
    for line in constraints.splitlines():
        match = PIN.match(line)
        if match:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def requirement_lines(text: str) -> list[tuple[int, str]]:
    """(line number, text) of every line that is not blank, a comment or an option."""
    found = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#") and not OPTION_LINE.match(line):
            found.append((number, line))
    return found


def conflicts(text: str, essential: dict[str, str]) -> list[Conflict]:
    """Requirements whose versions exclude one of MWAA's essential pins."""
    found = []
    for number, line in requirement_lines(text):
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue  # a URL or a path: pip says what it makes of it
        pinned = essential.get(canonicalize_name(requirement.name))
        if pinned and requirement.specifier and not requirement.specifier.contains(pinned, prereleases=True):
            found.append(Conflict(number, line, requirement.name, pinned))
    return found
