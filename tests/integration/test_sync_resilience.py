"""The sync sidecar survives the S3 service going away and keeps the last good copy."""

from __future__ import annotations

import subprocess

from emulator.cli.lifecycle import Context
from tests.support import Environment, wait_for


def s3_container() -> str:
    (container,) = [c.name for c in Context.load().region().project.containers() if c.service == "s3"]
    return container


def test_an_s3_outage_keeps_the_files_and_the_sync_resumes(environment: Environment) -> None:
    environment.add_dag("it_before_outage.py", "# present before the outage\n")
    environment.deploy()
    wait_for(lambda: "it_before_outage.py" in environment.dags_folder(), 30, "the file before the outage")
    before = environment.dags_folder()

    container = s3_container()
    subprocess.run(["docker", "stop", container], check=True, capture_output=True)
    try:
        wait_for(
            lambda: "cannot list" in environment.compose("logs", "--no-color", "--since", "60s", "sync").stdout,
            30,
            "the sidecar to notice the outage",
        )
        assert environment.dags_folder() == before, "a failed listing must not delete anything"
    finally:
        subprocess.run(["docker", "start", container], check=True, capture_output=True)
        wait_for(lambda: Context.load().region().running(), 60, "the S3 service to come back")

    wait_for(
        lambda: "bucket reachable again" in environment.compose("logs", "--no-color", "sync").stdout,
        60,
        "the sidecar to resume",
    )
    environment.add_dag("it_after_outage.py", "# deployed after the outage\n")
    environment.deploy()
    wait_for(lambda: "it_after_outage.py" in environment.dags_folder(), 30, "the file after the outage")
    assert before <= environment.dags_folder()
