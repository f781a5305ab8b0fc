"""The developer loop on both Airflow versions, side by side: `mwaa-local parse` (nothing
started), `mwaa-local test DAG_ID` (exit codes, states, logs), `deploy --watch` (each save in
Airflow), and the pytest plugin run on examples/dag-tests as a user's repository runs it.

The module starts one mw1.micro environment per version, from a copy of examples/dag-tests:
the cheapest shape, and the one a user's laptop or CI job starts."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from emulator.cli import lifecycle
from emulator.cli.dag_runs import DagRunner
from emulator.cli.lifecycle import Context
from emulator.docker import images
from emulator.docker.engine import image_tags, remove_image
from tests.conftest import VERSIONS
from tests.support import (
    REPO,
    Environment,
    cli,
    prepare_environment,
    remove_environment,
    side_by_side,
    start_environment,
    state_exists,
    wait_for,
)

EXAMPLE = REPO / "examples" / "dag-tests"
WATCH_SECONDS = 5.0
FAILING_DAG = """from datetime import datetime

from airflow import DAG

try:
    from airflow.providers.standard.operators.python import PythonOperator
except ImportError:
    from airflow.operators.python import PythonOperator


def boom():
    raise RuntimeError("failing on purpose MARKER")


with DAG("it_loop_fails", start_date=datetime(2024, 1, 1), schedule=None, catchup=False):
    PythonOperator(task_id="boom", python_callable=boom, retries=0) >> PythonOperator(
        task_id="after", python_callable=lambda: None
    )
"""
WATCHED_DAG = """from datetime import datetime

from airflow import DAG

with DAG("DAG_ID", description="DESCRIPTION", start_date=datetime(2024, 1, 1), schedule=None):
    pass
"""


def prepare_loop(root: Path, version: str, name: str = "") -> Environment:
    """A copy of examples/dag-tests as an mw1.micro environment's workspace."""
    name = name or "loop" + version.replace(".", "")
    environment = prepare_environment(root, name, version, {"EnvironmentClass": "mw1.micro"})
    for name in ("dags", "tests"):
        shutil.copytree(EXAMPLE / name, environment.workspace / name, dirs_exist_ok=True)
    for name in ("pytest.ini", "requirements.txt"):
        shutil.copyfile(EXAMPLE / name, environment.workspace / name)
    return environment


@pytest.fixture(scope="module")
def loops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Environment]]:
    """One mw1.micro environment per version, started side by side (their `up` also builds the
    versions' images, which `parse` needs)."""
    root = tmp_path_factory.mktemp("loop")
    environments = {version: prepare_loop(root, version) for version in VERSIONS}
    try:
        with ThreadPoolExecutor(max_workers=len(environments)) as pool:
            failures = dict(zip(environments, pool.map(start_environment, environments.values()), strict=True))
        for version, failure in failures.items():
            assert not failure, f"up failed for {version}:\n{failure}\n{environments[version].logs()}"
        yield environments
    finally:
        for environment in environments.values():
            remove_environment(environment)


def runner(environment: Environment) -> DagRunner:
    return DagRunner(lifecycle.api(Context.load()), environment.name, environment.family)


def import_errors(environment: Environment) -> list[dict[str, Any]]:
    _, answer = runner(environment).call("GET", "/importErrors")
    return list(answer["import_errors"])


# --- parse -------------------------------------------------------------------------------------

EMPTY_OPERATOR = """try:
    from airflow.providers.standard.operators.empty import EmptyOperator
except ImportError:
    from airflow.operators.empty import EmptyOperator
"""
PARSE_FILES = {
    "dags/ok.py": "from airflow import DAG\n\ndag = DAG('it_ok')\n",
    "dags/broken_syntax.py": "from airflow import DAG\n\nx = (\n",
    "dags/needs_package.py": "from airflow import DAG\nimport pyjokes\n\ndag = DAG('it_needs_package')\n",
    "dags/uses_plugin.py": "from airflow import DAG\nfrom it_names import DAG_ID\n\ndag = DAG(DAG_ID)\n",
    "plugins/it_names.py": "DAG_ID = 'it_from_plugin'\n",
    "dags/cyclic.py": "from airflow import DAG\n"
    + EMPTY_OPERATOR
    + "with DAG('it_cyclic'):\n    a = EmptyOperator(task_id='a')\n"
    + "    b = EmptyOperator(task_id='b')\n    a >> b >> a\n",
    "dags/dup_a.py": "from airflow import DAG\n\ndag = DAG('it_duplicate')\n",
    "dags/dup_b.py": "from airflow import DAG\n\ndag = DAG('it_duplicate')\n",
    "dags/ignored_broken.py": "from airflow import DAG\n\nraise ValueError('never imported')\n",
    "dags/.airflowignore": "ignored_broken.py\n",  # the same in regexp (2.x) and glob (3.x) syntax
}


def parse_images(version: str) -> list[str]:
    return [
        tag
        for tag in image_tags(images.AIRFLOW_REPOSITORY)
        if tag.startswith(f"{images.AIRFLOW_REPOSITORY}:{version}-parse-")
    ]


def parse_checks(workspace: Path, version: str) -> None:
    name = f"itparse{version.replace('.', '')}"
    for path, text in PARSE_FILES.items():
        (workspace / path).parent.mkdir(parents=True, exist_ok=True)
        (workspace / path).write_text(text)
    (workspace / "environment.json").write_text(json.dumps({"Name": name, "AirflowVersion": version}))
    try:
        first = cli(workspace, "parse", timeout=300)
        output = first.stdout + first.stderr
        assert first.returncode == 1, output
        errors = sorted(line for line in first.stdout.splitlines() if line.startswith("ERROR "))
        duplicate = [line for line in errors if "AirflowDagDuplicatedIdException" in line]
        cycle = "DAG: it_cyclic. Faulty task: b" if version.startswith("2.") else "Dag: it_cyclic. Faulty task: b"
        assert [line for line in errors if line not in duplicate] == [
            "ERROR dags/broken_syntax.py:3: SyntaxError: '(' was never closed",
            f"ERROR dags/cyclic.py: AirflowDagCycleException: Cycle detected in {cycle}",
            "ERROR dags/needs_package.py:2: ModuleNotFoundError: No module named 'pyjokes'",
        ], output
        # Whichever of the two files the DAG processor reads second is the one refused.
        assert len(duplicate) == 1 and re.fullmatch(
            r"ERROR dags/dup_(a|b)\.py: AirflowDagDuplicatedIdException: Ignoring DAG it_duplicate from "
            r"dags/dup_\1\.py - also found in dags/dup_(a|b)\.py",
            duplicate[0],
        ), output
        assert "ignored_broken" not in output, ".airflowignore is honoured"
        assert "FAILED: 7 DAG file(s), 3 DAG(s), 4 import error(s)" in output, output
        assert "Filling up the DagBag" not in output, "Airflow's own log lines are not the report"

        # The package, once in requirements.txt, is installed as an update would (then kept).
        (workspace / "requirements.txt").write_text("pyjokes==0.6.0\n")
        second = cli(workspace, "parse", timeout=600)
        output = second.stdout + second.stderr
        assert second.returncode == 1 and "needs_package" not in output, output
        assert "Successfully installed pyjokes-0.6.0" in output and "4 DAG(s), 3 import error(s)" in output, output
        assert len(parse_images(version)) == 1
        started = time.monotonic()
        third = cli(workspace, "parse", timeout=300)
        assert third.returncode == 1 and "4 DAG(s), 3 import error(s)" in third.stdout, third.stdout + third.stderr
        assert "Installing requirements.txt" not in third.stdout, "the install is kept"
        print(f"parse on {version} with the install kept: {time.monotonic() - started:.1f} s")

        # Nothing was started, and no container is left.
        assert not state_exists(name)
        listed = subprocess.run(
            ["docker", "ps", "-aq", "--filter", f"ancestor={parse_images(version)[0]}"], capture_output=True, text=True
        )
        assert listed.stdout.strip() == ""
    finally:
        for tag in parse_images(version):
            remove_image(tag)


def test_parse_reports_import_errors_cycles_and_duplicates_and_starts_nothing(
    loops: dict[str, Environment], tmp_path: Path
) -> None:
    def check(environment: Environment) -> None:
        workspace = tmp_path / environment.version
        workspace.mkdir()
        parse_checks(workspace, environment.version)

    side_by_side(loops, check)


# --- test --------------------------------------------------------------------------------------


def dag_test_checks(environment: Environment) -> None:
    marker = secrets.token_hex(4)
    ok = environment.cli("test", "example_pipeline", "--conf", json.dumps({"name": marker}))
    output = ok.stdout + ok.stderr
    assert ok.returncode == 0, output
    assert "extract → success" in output and "report → success" in output, output
    assert f"extracting for {marker}" in output, "the task's log lines are shown"
    assert "succeeded in" in output

    dags = environment.workspace / "dags"
    (dags / "it_loop_fails.py").write_text(FAILING_DAG.replace("MARKER", marker))
    failed = environment.cli("test", "it_loop_fails")
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "boom → failed" in output and "after → upstream_failed" in output, output
    end = output.split("its log's end:", 1)
    assert len(end) == 2 and f"failing on purpose {marker}" in end[1], "the failed task's log closes the output"

    (dags / "it_loop_broken.py").write_text("from airflow import DAG\n\nDAG('it_loop_broken')\nraise ValueError('x')\n")
    broken = environment.cli("test", "it_loop_broken", "--timeout", "120")
    output = broken.stdout + broken.stderr
    assert broken.returncode == 1 and "The DAG file does not import" in output and "ValueError" in output, output
    # Gone again, its import error too: the plugin's test expects none.
    (dags / "it_loop_broken.py").unlink()
    environment.deploy()
    wait_for(lambda: "it_loop_broken" not in json.dumps(import_errors(environment)), 60, "the import error gone")

    missing = environment.cli("test", "it_no_such_dag", "--timeout", "3")
    assert missing.returncode == 1 and "has not parsed DAG it_no_such_dag after 3 s" in missing.stdout + missing.stderr


def test_test_runs_a_dag_and_exits_with_how_it_ended(loops: dict[str, Environment]) -> None:
    side_by_side(loops, dag_test_checks)


# --- deploy --watch ----------------------------------------------------------------------------


class Watcher:
    """`mwaa-local deploy --watch` in a child process, its output collected as it comes."""

    def __init__(self, environment: Environment) -> None:
        command = [sys.executable, "-m", "emulator.cli", "--workspace", str(environment.workspace)]
        self.process = subprocess.Popen(
            [*command, "deploy", "--watch", "--name", environment.name],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "COLUMNS": "200"},
            cwd=REPO,
        )
        self.lines: list[str] = []
        threading.Thread(target=self.read, daemon=True).start()

    def read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def stop(self) -> str:
        self.process.terminate()
        self.process.wait(timeout=30)
        return "\n".join(self.lines)


def seconds_until(check: Any, what: str, timeout: float = 60) -> float:
    started = time.monotonic()
    wait_for(check, timeout, what, interval=0.1)
    return time.monotonic() - started


def watch_checks(environment: Environment) -> None:
    dags = environment.workspace / "dags"
    airflow = runner(environment)
    dag_id = f"it_watch_{secrets.token_hex(3)}"
    path = dags / f"{dag_id}.py"
    requirements = environment.workspace / "requirements.txt"
    running = environment.described()["RequirementsS3ObjectVersion"]
    watcher = Watcher(environment)
    try:
        wait_for(lambda: watcher.said("Watching"), 60, "the watcher to start")

        def described_as(text: str) -> bool:
            found = airflow.dag(dag_id)
            return found is not None and found.get("description") == text

        path.write_text(WATCHED_DAG.replace("DAG_ID", dag_id).replace("DESCRIPTION", "first"))
        added = seconds_until(lambda: described_as("first"), f"{dag_id} in Airflow")
        path.write_text(WATCHED_DAG.replace("DAG_ID", dag_id).replace("DESCRIPTION", "second"))
        edited = seconds_until(lambda: described_as("second"), f"{dag_id}'s edit in Airflow")
        path.unlink()

        def gone() -> bool:
            found = airflow.dag(dag_id)
            return found is None or found.get("is_active") is False or found.get("is_stale") is True

        deleted = seconds_until(gone, f"{dag_id} gone from Airflow")
        print(f"--watch on {environment.version}: added {added:.1f} s, edited {edited:.1f} s, deleted {deleted:.1f} s")
        # The target is 2 s (scripts/bench --loop-only measures it); CI's busy cores get some slack,
        # far from MWAA's 30 s sync and 300 s scan.
        assert max(added, edited, deleted) <= WATCH_SECONDS, (added, edited, deleted)

        requirements.write_text(requirements.read_text() + f"# {dag_id}\n")
        wait_for(lambda: watcher.said("not applied: requirements.txt"), 30, "the update proposed")
        assert environment.described()["RequirementsS3ObjectVersion"] == running, "nothing applied silently"
    finally:
        output = watcher.stop()
        requirements.write_text((EXAMPLE / "requirements.txt").read_text())
        restore_requirements(environment, running)
    assert f"uploaded  s3://{environment.bucket}/dags/{dag_id}.py" in output, output
    assert f"deleted   s3://{environment.bucket}/dags/{dag_id}.py" in output, output


def restore_requirements(environment: Environment, running: str) -> None:
    """Drop the versions the test uploaded: the environment's is the latest again."""
    client = environment.s3()
    for item in client.list_objects(environment.bucket, prefix="requirements.txt", include_version=True):
        if item.version_id != running:
            client.remove_object(environment.bucket, "requirements.txt", version_id=item.version_id)


def test_deploy_watch_carries_each_save_to_airflow(loops: dict[str, Environment]) -> None:
    side_by_side(loops, watch_checks)


# --- the pytest plugin -------------------------------------------------------------------------


def sample_tests_pass(environment: Environment, *options: str) -> None:
    """The sample repository's two tests, run by a child pytest in its workspace, pass."""
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", *options],
        cwd=environment.workspace,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0 and "2 passed" in output, output


def plugin_checks(environment: Environment) -> None:
    """The sample repository's tests, as its CI runs them, on the running environment: the
    plugin turned on by the flag alone (the ini's switch off), the environment reused and left
    running."""
    sample_tests_pass(environment, "-o", "mwaa_local=false", "--mwaa-local", "--mwaa-local-name", environment.name)
    assert environment.name in lifecycle.running_environments(Context.load()), "reused, so left running"


def test_the_sample_repository_runs_with_the_pytest_plugin(loops: dict[str, Environment]) -> None:
    side_by_side(loops, plugin_checks)


def test_the_plugin_starts_an_environment_that_is_not_running_and_stops_it(tmp_path: Path) -> None:
    """The other path of `mwaa_environment`: nothing runs, so the plugin starts environment.json's
    environment (with the ini's timings), runs the tests on it and stops it at the end, its
    state kept as `down` keeps it (2.10.3 alone: the quicker start)."""
    environment = prepare_loop(tmp_path, "2.10.3", "loopstart")
    try:
        sample_tests_pass(environment)
        assert state_exists(environment.name), "started by the plugin, with its state kept"
        assert environment.name not in lifecycle.running_environments(Context.load()), "and stopped at the end"
        settings = Context.load().state(environment.name).local_settings()
        assert settings.timings == "dev", "the ini's mwaa_local_timings"
    finally:
        remove_environment(environment)
