"""`init` and `downgrade <version>`: hand over to airflow_init.py on Airflow's own interpreter (see
its docstring)."""

from __future__ import annotations

import os
from pathlib import Path

from emulator.model.container_contract import AIRFLOW_PYTHON


def main(arguments: list[str]) -> int:
    script = str(Path(__file__).with_name("airflow_init.py"))
    os.execv(AIRFLOW_PYTHON, [AIRFLOW_PYTHON, script, *arguments])
    return 0  # not reached
