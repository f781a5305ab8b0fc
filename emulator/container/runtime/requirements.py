"""requirements.txt installed as MWAA installs it (docs/reference.md §12.3): Apache's constraints added
when the file names none (with a warning), MWAA's essential constraints always enforced, a
`--user` install into the airflow user's ~/.local, pip's output in `requirements_install`.

Used in two places: the build of an environment's configured image (once per configuration),
and `mwaa-local test-requirements` / the control plane's early check of the essential pins.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from emulator.container.runtime.processes import Emit, run_streaming
from emulator.model.configuration_files import conflicts, pins, requirement_lines
from emulator.model.container_contract import AIRFLOW_PYTHON

TIME_LIMIT = 540.0  # MWAA allows pip 9 minutes
CA_SECRET = Path("/run/secrets/ca_bundle")
SYSTEM_CA = Path("/etc/ssl/certs/ca-certificates.crt")
CONSTRAINT_LINE = re.compile(r"^\s*(-c|--constraint)(\s|=)")


def names_constraints(text: str) -> bool:
    return any(CONSTRAINT_LINE.match(line) for line in text.splitlines())


def with_constraints(text: str, constraints_file: str, emit: Emit) -> str:
    """The file as pip gets it: MWAA adds Apache's constraints when it names none."""
    if names_constraints(text):
        return text
    emit(
        "WARNING: requirements.txt has no --constraint line; adding Apache Airflow's constraints for this "
        f"Airflow and Python version ({constraints_file}), as MWAA does"
    )
    return f"{text.rstrip()}\n-c {constraints_file}\n"


def pip_environment(environ: dict[str, str], bundle: Path | None) -> dict[str, str]:
    variables = {**environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    if bundle is not None:
        variables["PIP_CERT"] = str(bundle)
    return variables


def ca_bundle(folder: Path) -> Path | None:
    """The system CA store plus the build's extra CA secret, for pip (never kept)."""
    if not CA_SECRET.is_file() or CA_SECRET.stat().st_size == 0:
        return None
    bundle = folder / "ca-bundle.pem"
    bundle.write_bytes(SYSTEM_CA.read_bytes() + b"\n" + CA_SECRET.read_bytes())
    return bundle


def run_pip(arguments: list[str], emit: Emit, time_limit: float = TIME_LIMIT) -> int:
    """`python3 -m pip <arguments>` on Airflow's interpreter, each output line emitted."""
    with tempfile.TemporaryDirectory(prefix="pip-") as scratch:
        environment = pip_environment(dict(os.environ), ca_bundle(Path(scratch)))
        code = run_streaming([AIRFLOW_PYTHON, "-m", "pip", *arguments], environment, emit, time_limit)
    if code is None:
        emit(f"ERROR: pip did not finish within {time_limit:.0f} seconds")
        return 124
    return code


def install(requirements: Path, emit: Emit) -> int:
    """Install requirements.txt for the airflow user as MWAA does; pip's exit code (0: installed).
    Refuses, before pip runs, a requirement that would change one of MWAA's essential pins."""
    text = requirements.read_text()
    essential_file = os.environ["MWAA_ESSENTIAL_CONSTRAINTS_FILE"]
    refused = conflicts(text, pins(Path(essential_file).read_text()))
    for conflict in refused:
        emit(f"ERROR: {conflict.message()}")
    if refused:
        return 1
    if not requirement_lines(text):
        emit("requirements.txt names no package: nothing to install")
        return 0
    prepared = requirements.with_name(f".{requirements.name}.mwaa")
    prepared.write_text(with_constraints(text, os.environ["AIRFLOW_CONSTRAINTS_FILE"], emit))
    try:
        return run_pip(
            ["install", "--user", "--no-warn-script-location", "-r", str(prepared), "--constraint", essential_file],
            emit,
        )
    finally:
        prepared.unlink(missing_ok=True)
