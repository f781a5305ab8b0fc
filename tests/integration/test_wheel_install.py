"""`pip install` of the wheel, outside any checkout, gives a working `mwaa-local up`, in the
default state home (`~/.mwaa-local`, Docker's plain names) as a user who just installed it has.

Its own user home, venv and workspace (not the session's environments): the wheel is built
from this checkout and installed with --no-deps into a fresh venv whose dependencies come from
the project's venv (a .pth line, processed after the venv's own site-packages, so `emulator` is
the wheel's). The image of the same build hash exists already, so `up` builds nothing. It runs mw1.micro, the
cheapest shape.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from emulator.docker import images
from emulator.docker.build import HASH_LABEL, build_hash
from emulator.docker.compose import ComposeProject
from emulator.docker.ports import free_port
from emulator.model import versions
from emulator.state.settings import HOME, PROJECT_ROOT, Naming
from tests.conftest import Stacks, needed_versions

NAME = "itwheel"
VERSION = "2.10.3"


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def status_rows(output: str, name: str) -> dict[str, list[list[str]]]:
    section = output.split(f"environment {name}", 1)[1]
    rows = [[cell.strip() for cell in line.strip("│ ").split("│")] for line in section.splitlines() if "│" in line]
    by_service: dict[str, list[list[str]]] = {}
    for row in rows:
        if len(row) == 5 and row[0] != "service":
            by_service.setdefault(row[0], []).append(row)
    return by_service


def default_home_leftovers(plain: Naming) -> list[str]:
    """Containers, volumes and the network under the default home's Docker names: a user's own,
    which the test would share (the region's S3 data volume) and its teardown would remove."""
    found = []
    for project in (plain.region_project, plain.environment_project(NAME)):
        label = f"label=com.docker.compose.project={project}"
        for kind in ("container", "volume"):
            listed = subprocess.run(
                ["docker", kind, "ls", "-aq" if kind == "container" else "-q", "--filter", label],
                capture_output=True,
                text=True,
                check=True,
            )
            found += listed.stdout.split()
    networks = subprocess.run(
        ["docker", "network", "ls", "-q", "--filter", f"name=^{plain.region_network}$"],
        capture_output=True,
        text=True,
        check=True,
    )
    return found + networks.stdout.split()


def test_an_installed_wheel_starts_an_environment_outside_the_checkout(
    request: pytest.FixtureRequest, stacks: Stacks
) -> None:
    # The checkout's image of this version, built by the session's environment of that version
    # (whichever test comes first): the wheel's `up` must find it current and build nothing.
    stacks.get(VERSION, needed_versions(request.session))
    outside = Path(tempfile.mkdtemp(prefix="mwaa-local-wheel-"))  # not under the checkout
    assert PROJECT_ROOT not in outside.parents
    user, workspace, venv = outside / "user", outside / "workspace", outside / "venv"
    home = user / ".mwaa-local"  # the default state home of that user
    workspace.mkdir()
    user.mkdir()
    # mw1.micro, the cheapest shape: what is tested is the install and the default home's names.
    settings = {"Name": NAME, "AirflowVersion": VERSION, "EnvironmentClass": "mw1.micro"}
    (workspace / "environment.json").write_text(json.dumps(settings))
    plain = Naming()
    assert not default_home_leftovers(plain), (
        f"This test runs a default state home, whose Docker names ({plain.region_project}, "
        f"{plain.region_network}, {plain.environment_project(NAME)}) are taken here: by your own default "
        "home's region or its kept data, which the test must not touch. It runs on a machine without them (CI)."
    )
    built = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(outside), str(PROJECT_ROOT)],
        outside,
        dict(os.environ),
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = outside.glob("mwaa_local-*.whl")
    made = run([sys.executable, "-m", "venv", str(venv)], outside, dict(os.environ))
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    ignored = ("PYTHONPATH", "VIRTUAL_ENV", HOME.variable)
    env = {key: value for key, value in os.environ.items() if key not in ignored}
    installed = run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], outside, env)
    assert installed.returncode == 0, installed.stderr
    site = Path(
        run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], outside, env).stdout.strip()
    )
    (site / "zz-project-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    where = run([str(python), "-c", "import emulator; print(emulator.__file__)"], workspace, env)
    assert Path(where.stdout.strip()).is_relative_to(site), where.stdout + where.stderr

    env.update(
        {
            "HOME": str(user),  # no MWAA_LOCAL_HOME: the default state home, as after `pip install`
            # The Docker CLI's own settings and plugins (compose) stay those of this machine.
            "DOCKER_CONFIG": os.environ.get("DOCKER_CONFIG", str(Path.home() / ".docker")),
            "MWAA_LOCAL_S3_PORT": str(free_port()),
            "MWAA_LOCAL_S3_CONSOLE_PORT": str(free_port()),
            "MWAA_LOCAL_API_PORT": str(free_port()),  # its own region beside the session's
            "COLUMNS": "200",
        }
    )
    mwaa_local = [str(venv / "bin" / "mwaa-local"), "--workspace", str(workspace)]
    try:
        up = run(
            [
                *mwaa_local,
                "up",
                "--name",
                NAME,
                "--airflow-version",
                VERSION,
                "--timings",
                "dev",
                "--web-port",
                str(free_port()),
                "--https-port",  # another test session's `up` may be choosing from 8443 meanwhile
                str(free_port()),
                "--timeout",
                "600",
            ],
            workspace,
            env,
            timeout=900,
        )
        assert up.returncode == 0, up.stdout + up.stderr
        assert f"Environment {NAME} is AVAILABLE" in up.stdout, up.stdout
        # Created through the control plane, whose own user home is not this one: it found the
        # default home's region and environment under their plain names.
        running = {
            container.service for container in ComposeProject.by_name(plain.environment_project(NAME)).containers()
        }
        assert {"webserver", "edge", "hybrid"} <= running, running

        python_minor = versions.get(VERSION).python
        digest = build_hash(PROJECT_ROOT, VERSION, python_minor, images.python_image(python_minor, env))
        label = run(
            [
                "docker",
                "image",
                "inspect",
                "--format",
                f'{{{{index .Config.Labels "{HASH_LABEL}"}}}}',
                images.airflow_image(VERSION),
            ],
            workspace,
            env,
        ).stdout.strip()
        assert label == digest, "the image built from the checkout is current for the wheel too"
        assert not (home / "environments" / NAME / "build.log").exists(), "no build happened"
        context = home / "build" / VERSION
        assert f"MWAA_LOCAL_BUILD_CONTEXT='{context}'" in (home / "environments" / NAME / "compose.env").read_text()
        assert build_hash(context, VERSION, python_minor, images.python_image(python_minor, env)) == digest

        status = run([*mwaa_local, "status"], workspace, env)
        assert status.returncode == 0, status.stderr
        by_service = status_rows(status.stdout, NAME)
        for service in ("postgres", "redis", "sync", "hybrid", "webserver"):
            assert by_service.get(service), f"{service} missing from status:\n{status.stdout}"
            for _, _, state, health, _ in by_service[service]:
                assert (state, health) == ("running", "healthy"), f"{service}: {state} {health}"
    finally:
        down = run([*mwaa_local, "down", "--volumes", "--name", NAME], workspace, env)
        # After a failed create `down` has no environment to stop: the region must not outlive
        # the home it belongs to (the next run would find it).
        for project in (plain.environment_project(NAME), plain.region_project):
            ComposeProject.by_name(project).run("down", "--volumes", "--timeout", "5", check=False)
        shutil.rmtree(outside, ignore_errors=True)
    assert down.returncode == 0, down.stdout + down.stderr
