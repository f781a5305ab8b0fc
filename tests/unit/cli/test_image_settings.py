"""The images an environment is built with are fixed per environment: by `up` from its shell, or
at a create through the API from the region's; never by whichever command ran last."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from emulator.cli import lifecycle
from emulator.docker.region import Region
from emulator.service.provider import provisioner
from emulator.state.home import EnvironmentState, LocalSettings, RegionState
from emulator.state.settings import project_paths

MIRROR = {"MWAA_LOCAL_IMAGE_MIRROR": "mirror.example/"}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("MWAA_LOCAL_IMAGE_MIRROR", raising=False)
    monkeypatch.delenv("MWAA_LOCAL_PYTHON_IMAGE", raising=False)
    monkeypatch.setattr(provisioner, "published_host_ports", lambda: set())
    return tmp_path


def test_up_fixes_the_images_its_shell_names(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MWAA_LOCAL_IMAGE_MIRROR", "mirror.example/")
    context = lifecycle.Context(project_paths(), home)
    state = context.state("one")
    settings = lifecycle.local_settings_for_up(context, state, lifecycle.UpOptions(web_port=8080))
    assert settings.image_settings == MIRROR
    monkeypatch.delenv("MWAA_LOCAL_IMAGE_MIRROR")
    assert lifecycle.local_settings_for_up(context, state, lifecycle.UpOptions()).image_settings == {}


def test_an_api_create_gets_the_regions_images_once_and_keeps_them(home: Path) -> None:
    region = RegionState(home)
    region.save_settings(dataclasses.replace(region.settings(), image_settings=MIRROR))
    docker = provisioner.DockerProvisioner(home, project_paths())
    state = EnvironmentState(home, "made-by-boto3")
    settings = docker.settings_for(state)
    assert settings.image_settings == MIRROR
    state.save_local_settings(settings)
    region.save_settings(dataclasses.replace(region.settings(), image_settings={}))
    assert docker.settings_for(state).image_settings == MIRROR, "a later region setting changes nothing"


def test_settings_saved_by_an_older_mwaa_local_read_as_not_fixed(home: Path) -> None:
    state = EnvironmentState(home, "old")
    state.settings_path.parent.mkdir(parents=True)
    state.settings_path.write_text('{"web_port": 8081, "timings": "mwaa"}')
    assert state.local_settings() == LocalSettings(web_port=8081)


def test_an_up_that_waited_for_the_region_lock_keeps_the_images_the_first_fixed(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two `up`s at once: each makes its Region first, then waits for the region lock. The one that
    # starts the region fixes its images; the other must not save back what it loaded before.
    first, waiting = Region(home, project_paths()), Region(home, project_paths())
    monkeypatch.setenv("MWAA_LOCAL_IMAGE_MIRROR", "mirror.example/")
    first.configure_ports()
    first.render(starting=True)
    waiting.configure_ports()
    assert RegionState(home).settings().image_settings == MIRROR


def test_a_command_from_a_shell_without_the_mirror_keeps_the_running_regions_images(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MWAA_LOCAL_IMAGE_MIRROR", "mirror.example/")
    region = Region(home, project_paths())
    region.configure_ports()
    started = region.render(starting=True)
    monkeypatch.delenv("MWAA_LOCAL_IMAGE_MIRROR")
    later = Region(home, project_paths())
    later.configure_ports()
    assert later.render(starting=False) == started, "the control plane is current: nothing to rebuild"
    variables = later.env_file.read_text()
    assert "MWAA_LOCAL_CONTROL_PLANE_BASE_IMAGE='mirror.example/python:" in variables
    assert "MWAA_LOCAL_MINIO_IMAGE='mirror.example/" in variables
