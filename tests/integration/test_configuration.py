"""requirements.txt, plugins.zip and the startup script, applied the MWAA way (docs/reference.md §12.3,
§13): only when an operation names their object versions, installed once per configuration,
and a bad file fails the update while the previous configuration keeps running.

Each Airflow version gets an environment of its own (started side by side on first use), since
these tests change its configuration; each test runs its scenario on both at once and brings the
configuration it needs. They are mw1.micro environments, the cheapest shape: what is tested here
is the configuration's path to the components, which every class shares, and each update
restarts one hybrid container and one web server instead of the whole split shape.
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from emulator.model.errors import EnvironmentConfigError
from emulator.service.control_plane_client import ControlPlaneClient
from tests.conftest import VERSIONS
from tests.support import (
    Environment,
    cli,
    prepare_environment,
    remove_environment,
    side_by_side,
    start_environment,
    wait_for,
)

DAG = "it_configuration"
GOOD_REQUIREMENTS = "pyjokes==0.6.0\n"
NEWER_REQUIREMENTS = "pyjokes==0.7.2\n"
STARTUP = """echo "startup on $MWAA_AIRFLOW_COMPONENT"
export STARTUP_TEST_VARIABLE=exported-by-startup
export AIRFLOW__CORE__EXECUTOR=SequentialExecutor
exit 0
"""
# plugins.zip: a custom operator using a custom hook, and an Airflow plugin with a macro.
PLUGIN_FILES = {
    "greeting_hook.py": """from airflow.hooks.base import BaseHook


class GreetingHook(BaseHook):
    def greet(self, name):
        return f"hello from {name}"
""",
    "greeting_operator.py": """from airflow.models.baseoperator import BaseOperator

from greeting_hook import GreetingHook


class GreetingOperator(BaseOperator):
    def __init__(self, name: str, **kwargs):
        super().__init__(**kwargs)
        self.name = name

    def execute(self, context):
        return GreetingHook().greet(self.name)
""",
    "greeting_plugin.py": """from airflow.plugins_manager import AirflowPlugin


def shout(text):
    return text.upper() + "!"


class GreetingPlugin(AirflowPlugin):
    name = "greeting_plugin"
    macros = [shout]
""",
}
DAG_TEXT = """import os
from datetime import datetime

from airflow import DAG

try:
    from airflow.providers.standard.operators.python import PythonOperator
except ImportError:
    from airflow.operators.python import PythonOperator

import pyjokes
from greeting_operator import GreetingOperator


def report():
    return {
        "pyjokes": pyjokes.__version__,
        "startup": os.environ.get("STARTUP_TEST_VARIABLE"),
        "executor": os.environ.get("AIRFLOW__CORE__EXECUTOR"),
    }


def echo(value):
    return value


with DAG("it_configuration", start_date=datetime(2024, 1, 1), schedule=None, catchup=False):
    macro = PythonOperator(
        task_id="macro", python_callable=echo, op_kwargs={"value": "{{ macros.greeting_plugin.shout('plugins') }}"}
    )
    greet = GreetingOperator(task_id="greet", name="plugins")
    PythonOperator(task_id="report", python_callable=report) >> greet >> macro
"""


class Configured:
    """An environment of one version, its workspace and MWAA API client."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment

    @property
    def workspace(self) -> Path:
        return self.environment.workspace

    def api(self) -> ControlPlaneClient:
        return self.environment.api()

    def get(self) -> dict[str, Any]:
        return self.environment.described()

    def put(self, key: str, data: bytes) -> str:
        result = self.environment.s3().put_object(self.environment.bucket, key, io.BytesIO(data), len(data))
        return str(result.version_id)

    def write_good_files(self) -> None:
        (self.workspace / "requirements.txt").write_text(GOOD_REQUIREMENTS)
        (self.workspace / "plugins").mkdir(exist_ok=True)
        for name, text in PLUGIN_FILES.items():
            (self.workspace / "plugins" / name).write_text(text)
        (self.workspace / "startup.sh").write_text(STARTUP)

    def apply_good_configuration(self) -> dict[str, Any]:
        """Deploy the good files and let `deploy` apply them (nothing to do when they are live)."""
        self.write_good_files()
        deployed = self.environment.cli("deploy")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        current = self.get()
        # UPDATE_FAILED: an earlier test's failed update rolled back to this configuration.
        assert current["Status"] in ("AVAILABLE", "UPDATE_FAILED"), current
        return current

    def update(self, **members: Any) -> dict[str, Any]:
        """UpdateEnvironment through the MWAA API, waiting until it settles."""
        return self.environment.update(**members)

    def run_report(self, run_id: str) -> dict[str, Any]:
        state = self.environment.run_dag(DAG, run_id, timeout=240)
        assert state == "success", self.environment.logs()
        hosts = self.environment.task_hosts(DAG, run_id)
        assert hosts <= self.environment.container_hostnames(self.environment.worker_service), "ran on a worker"
        return self.environment.xcoms(DAG, run_id)


@pytest.fixture(scope="module")
def configured_environments(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Configured]]:
    """One environment per version, started side by side with the DAG that needs the files."""
    root = tmp_path_factory.mktemp("configuration")
    prepared = [
        prepare_environment(
            root, "cf" + version.replace(".", ""), version, {"EnvironmentClass": "mw1.micro"}, {f"{DAG}.py": DAG_TEXT}
        )
        for version in VERSIONS
    ]
    with ThreadPoolExecutor(max_workers=len(prepared)) as pool:
        failures = list(pool.map(start_environment, prepared))
    try:
        for environment, failure in zip(prepared, failures, strict=True):
            assert not failure, f"mwaa-local up failed for {environment.name}:\n{failure}\n{environment.logs()}"
        yield {environment.version: Configured(environment) for environment in prepared}
    finally:
        with ThreadPoolExecutor(max_workers=len(prepared)) as pool:
            list(pool.map(remove_environment, prepared))


def import_errors(environment: Environment) -> str:
    return json.dumps(environment.airflow_json("dags", "list-import-errors"))


def test_files_apply_only_when_an_update_names_their_versions(configured_environments: dict[str, Configured]) -> None:
    side_by_side(configured_environments, files_apply_only_when_named)


def files_apply_only_when_named(configured: Configured) -> None:
    environment = configured.environment
    for leftover in ("requirements.txt", "startup.sh"):
        (configured.workspace / leftover).unlink(missing_ok=True)
    before = configured.get()
    if "RequirementsS3ObjectVersion" not in before:
        # Without the package the DAG cannot be imported: the environment has no requirements yet.
        wait_for(lambda: "pyjokes" in import_errors(environment), 120, "the import error naming pyjokes", 2)
        # Uploaded without an update: nothing changes.
        configured.write_good_files()
        uploaded = environment.cli("deploy", "--no-update")
        assert uploaded.returncode == 0, uploaded.stderr
        assert "RequirementsS3ObjectVersion" not in configured.get()
        assert "pyjokes" in import_errors(environment)

    current = configured.apply_good_configuration()
    requirements_version = current["RequirementsS3ObjectVersion"]
    assert current["RequirementsS3Path"] == "requirements.txt"
    assert current["PluginsS3ObjectVersion"] and current["StartupScriptS3ObjectVersion"]
    environment.wait_listed(DAG, timeout=180)
    values = configured.run_report(f"applied-{time.time_ns()}")
    assert values["report"]["pyjokes"] == "0.6.0", "requirements.txt's package is installed on the worker"
    assert values["report"]["startup"] == "exported-by-startup", "the startup script's export reaches the task"
    assert values["report"]["executor"] == "CeleryExecutor", "a reserved variable the script set is restored"
    assert values["greet"] == "hello from plugins", "the operator and hook from plugins.zip ran"
    assert values["macro"] == "PLUGINS!", "the plugin's macro rendered the template"
    worker = environment.worker_service
    worker_log = environment.compose("logs", "--no-color", worker, check=False).stdout
    assert "AIRFLOW__CORE__EXECUTOR is reserved by MWAA" in worker_log
    assert "startup_script_execution_" in worker_log and f"startup on {worker}" in worker_log

    # A newer requirements.txt uploaded without an update changes nothing.
    configured.put("requirements.txt", NEWER_REQUIREMENTS.encode())
    time.sleep(3)
    assert configured.get()["RequirementsS3ObjectVersion"] == requirements_version
    installed = environment.exec(worker, "python3", "-c", "import pyjokes; print(pyjokes.__version__)")
    assert installed.strip().splitlines()[-1] == "0.6.0"


def test_a_restarted_worker_does_not_run_pip_again(configured_environments: dict[str, Configured]) -> None:
    side_by_side(configured_environments, restarted_worker_runs_no_pip)


def restarted_worker_runs_no_pip(configured: Configured) -> None:
    configured.apply_good_configuration()
    environment = configured.environment
    service = environment.worker_service
    worker = environment.containers(service)[0]
    restarted_at = datetime.now(UTC).isoformat()
    environment.compose("restart", service)
    wait_for(
        lambda: all(c.ready for c in environment.containers(service)),
        180,
        "the restarted worker to be healthy",
        interval=1,
    )
    log = environment.compose("logs", "--no-color", "--since", restarted_at, service, check=False).stdout
    assert "pip does not run at start" in log, log[-3000:]
    assert "Collecting" not in log and "Installing collected packages" not in log, "pip ran again"
    assert worker.id == environment.containers(service)[0].id, "the same container restarted"


def failed_update(configured: Configured, **members: Any) -> str:
    """Update with bad files: UPDATE_FAILED, the previous configuration back; LastUpdate's error."""
    before = configured.get()
    after = configured.update(**members)
    assert after["Status"] == "UPDATE_FAILED", after
    assert after["LastUpdate"]["Status"] == "FAILED", after["LastUpdate"]
    for member in ("RequirementsS3ObjectVersion", "PluginsS3ObjectVersion", "StartupScriptS3ObjectVersion"):
        assert after[member] == before[member], f"{member} is the previous configuration's again"
    return str(after["LastUpdate"]["Error"]["ErrorMessage"])


def test_bad_files_fail_the_update_and_the_previous_configuration_keeps_running(
    configured_environments: dict[str, Configured],
) -> None:
    side_by_side(configured_environments, bad_files_fail_the_update)


def bad_files_fail_the_update(configured: Configured) -> None:
    configured.apply_good_configuration()
    environment = configured.environment

    conflict = configured.put("requirements.txt", b"celery==5.0.0\n")
    message = failed_update(configured, RequirementsS3ObjectVersion=conflict)
    assert "celery" in message and "MWAA pins" in message, message

    missing = configured.put("requirements.txt", b"mwaa-local-no-such-package-anywhere==1.0\n")
    message = failed_update(configured, RequirementsS3ObjectVersion=missing)
    assert "No matching distribution found for mwaa-local-no-such-package-anywhere==1.0" in message, message
    assert "installing requirements.txt" in message and "failed (pip exit 1)" in message, message

    corrupt = configured.put("plugins.zip", b"this is not a zip file")
    message = failed_update(configured, PluginsS3ObjectVersion=corrupt)
    assert "plugins.zip" in message and "not a valid zip file" in message, message

    failing = configured.put("startup.sh", b"echo about to fail\nexit 3\n")
    message = failed_update(configured, StartupScriptS3ObjectVersion=failing)
    assert "startup script exited with status 3" in message, message

    # An object version that does not exist is refused at once, in MWAA's words.
    with pytest.raises(
        EnvironmentConfigError, match=r"^Unable to read version no-such-version of file requirements\.txt$"
    ):
        configured.api().call(
            "update_environment", Name=environment.name, RequirementsS3ObjectVersion="no-such-version"
        )
    assert configured.get()["Status"] == "UPDATE_FAILED", "a refused request starts no update"

    values = configured.run_report(f"after-failures-{time.time_ns()}")
    assert values["report"]["pyjokes"] == "0.6.0" and values["greet"] == "hello from plugins"


def test_workspace_checks_report_and_touch_no_environment(
    configured_environments: dict[str, Configured], tmp_path: Path
) -> None:
    side_by_side(configured_environments, lambda configured: workspace_checks(configured, tmp_path))


def workspace_checks(configured: Configured, tmp_path: Path) -> None:
    version = configured.environment.version
    before = configured.get()["LastUpdate"]
    workspace = tmp_path / f"workspace-{version}"
    workspace.mkdir()
    (workspace / "environment.json").write_text(json.dumps({"Name": "checks", "AirflowVersion": version}))

    def check(*arguments: str) -> tuple[int, str]:
        finished = cli(workspace, *arguments, timeout=600)
        return finished.returncode, finished.stdout + finished.stderr

    (workspace / "requirements.txt").write_text("celery==5.0.0\n")
    code, output = check("test-requirements")
    assert code == 1 and "'celery==5.0.0' would change celery, which MWAA pins to" in output, output
    (workspace / "requirements.txt").write_text(GOOD_REQUIREMENTS)
    code, output = check("test-requirements")
    assert code == 0, output
    assert "Successfully installed pyjokes-0.6.0" in output and f"installs on Airflow {version}" in output

    (workspace / "startup.sh").write_text(STARTUP)
    code, output = check("test-startup-script", "--component", "scheduler")
    assert code == 0, output
    assert "startup on scheduler" in output
    assert "exported  STARTUP_TEST_VARIABLE=exported-by-startup" in output
    assert "restored  AIRFLOW__CORE__EXECUTOR" in output
    (workspace / "startup.sh").write_text("exit 4\n")
    code, output = check("test-startup-script")
    assert code == 1 and "exited with status 4" in output, output

    code, output = check("package-requirements")
    assert code == 0, output
    wheels = list((workspace / "plugins").glob("pyjokes-0.6.0-*.whl"))
    assert len(wheels) == 1, output
    assert wheels[0].stat().st_uid == os.getuid(), "the downloaded wheels belong to the user"
    # Offline, as MWAA's docs describe for private networks: the wheels from plugins/, no index.
    (workspace / "requirements.txt").write_text(
        f"--find-links /usr/local/airflow/plugins\n--no-index\n{GOOD_REQUIREMENTS}"
    )
    code, output = check("test-requirements")
    assert code == 0 and "Successfully installed pyjokes-0.6.0" in output, output
    assert "Downloading" not in output, "installed from the wheel in plugins/, not from an index"
    assert configured.get()["LastUpdate"] == before, "no environment changed"
