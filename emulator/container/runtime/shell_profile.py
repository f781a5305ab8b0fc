"""The airflow user's shell profile, written as MWAA's entrypoint writes it: the container's
whole Airflow environment as exports in `~/.bashrc` and `~/.bash_profile`, so a login shell or
`bash -i` started later (a `docker compose exec … bash`) sees what Airflow sees."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

# Per-process values a shell sets for itself, and bash's read-only ones.
SHELL_OWN = frozenset(
    {"HOME", "HOSTNAME", "OLDPWD", "PWD", "SHLVL", "TERM", "_", "SHELLOPTS", "BASHOPTS", "EUID", "PPID", "UID"}
)
# What bash accepts as a variable name (ASCII only, unlike str.isidentifier).
SHELL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PROFILES = (".bashrc", ".bash_profile")


def text(environ: dict[str, str]) -> str:
    lines = ["# Written by mwaa-local at container start, as MWAA does; changes are lost on restart."]
    lines += [f"export {key}={shlex.quote(value)}" for key, value in sorted(environ.items()) if key not in SHELL_OWN]
    return "\n".join(lines) + "\n"


def write(environ: dict[str, str], home: Path | None = None) -> None:
    folder = home or Path(os.environ.get("HOME") or "/usr/local/airflow")
    content = text({key: value for key, value in environ.items() if SHELL_NAME.fullmatch(key)})
    for name in PROFILES:
        descriptor = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # it holds secrets, also when the file was there before
        with os.fdopen(descriptor, "w") as handle:
            handle.write(content)
