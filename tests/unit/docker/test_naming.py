"""Docker names per state home: the default home keeps the plain names, any other home gets
names of its own that never touch the default home's projects, networks or volumes."""

import re
from pathlib import Path

import pytest

from emulator.docker.region import Region
from emulator.state.settings import NAMESPACE, Naming, project_paths

ROOT = Path(__file__).resolve().parents[3]
# What compose accepts as a project name.
COMPOSE_PROJECT = re.compile(r"[a-z0-9][a-z0-9_-]*")


@pytest.fixture
def user_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user home of the test's own: the default state home is `<it>/.mwaa-local`."""
    home = tmp_path / "user"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: home))
    monkeypatch.delenv(NAMESPACE.variable, raising=False)
    return home


def ci_cleanup_pattern() -> re.Pattern[str]:
    """The project-name pattern `.ci/run` removes stale stacks by."""
    script = (ROOT / ".ci" / "run").read_text()
    (line,) = [line for line in script.splitlines() if "com.docker.compose.project" in line]
    found = re.search(r"grep -E '([^']+)'", line)
    assert found, line
    return re.compile(found.group(1))


def test_the_default_home_uses_the_plain_names(user_home: Path) -> None:
    naming = Naming.for_home(user_home / ".mwaa-local")
    assert naming == Naming()
    assert naming.namespace == ""
    assert naming.region_project == "mwaa_region"
    assert naming.region_network == "mwaa-local-region"
    assert naming.environment_project("local") == "mwaa-local"
    assert naming.environment_project("Team-A") == "mwaa-team-a"


@pytest.mark.parametrize("spelling", ["{home}/.mwaa-local/", "~/.mwaa-local", "{home}/x/../.mwaa-local"])
def test_other_spellings_of_the_default_home_are_the_default_home(user_home: Path, spelling: str) -> None:
    assert Naming.for_home(Path(spelling.format(home=user_home))) == Naming()


def test_a_symlink_to_the_default_home_is_the_default_home(user_home: Path, tmp_path: Path) -> None:
    (user_home / ".mwaa-local").mkdir()
    link = tmp_path / "link"
    link.symlink_to(user_home / ".mwaa-local")
    assert Naming.for_home(link) == Naming()


def test_another_home_gets_names_of_its_own(user_home: Path, tmp_path: Path) -> None:
    naming = Naming.for_home(tmp_path / "session-home")
    assert re.fullmatch(r"[0-9a-f]{6}", naming.namespace)
    ns = naming.namespace
    assert naming.region_project == f"mwaa_{ns}_region"
    assert naming.region_network == f"mwaa-local-region-{ns}"
    assert naming.environment_project("Team-A") == f"mwaa_{ns}-team-a"
    for project in (naming.region_project, naming.environment_project("Team-A")):
        assert COMPOSE_PROJECT.fullmatch(project), project


def test_names_are_stable_for_a_home_and_differ_between_homes(user_home: Path, tmp_path: Path) -> None:
    first = Naming.for_home(tmp_path / "one")
    assert Naming.for_home(tmp_path / "one") == first
    assert Naming.for_home(Path(f"{tmp_path}/one/")) == first
    assert Naming.for_home(tmp_path / "two" / ".." / "one") == first
    second = Naming.for_home(tmp_path / "two")
    assert second.namespace != first.namespace
    assert second.region_project != first.region_project
    assert second.region_network != first.region_network
    assert second.environment_project("local") != first.environment_project("local")


def test_a_tilde_home_is_the_same_home_spelled_out(user_home: Path) -> None:
    assert Naming.for_home(Path("~/elsewhere")) == Naming.for_home(user_home / "elsewhere")
    assert Naming.for_home(Path("~/elsewhere")).namespace != ""


def test_other_homes_never_name_a_default_home_project(user_home: Path, tmp_path: Path) -> None:
    default = Naming()
    for index in range(20):
        naming = Naming.for_home(tmp_path / f"home-{index}")
        for name in ("local", "Team-A", "region", "a"):
            project = naming.environment_project(name)
            assert project.startswith("mwaa_")
            assert project not in {default.environment_project(name), default.region_project}
        assert naming.region_project != default.region_project
        assert naming.region_network != default.region_network


def test_the_ci_cleanup_finds_every_project_of_every_home(user_home: Path, tmp_path: Path) -> None:
    pattern = ci_cleanup_pattern()
    assert pattern.pattern == "^mwaa(-|_)"
    for naming in (Naming(), Naming.for_home(tmp_path / "session-home")):
        assert pattern.search(naming.region_project), naming.region_project
        assert pattern.search(naming.environment_project("it331")), naming.environment_project("it331")
    assert not pattern.search("bench-plain-airflow")


@pytest.mark.parametrize("default", [True, False])
def test_the_control_plane_names_what_the_host_names(
    user_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, default: bool
) -> None:
    """The control plane runs with another user home (HOME=/tmp in its image), at the state
    home's own path: the namespace the host wrote into the region's variables decides, or it
    would look for the default home's region and environments under names of its own."""
    home = user_home / ".mwaa-local" if default else tmp_path / "session-home"
    host = Naming.for_home(home)
    region = Region(home, project_paths())
    region.render()
    variables = dict(line.split("=", 1) for line in region.env_file.read_text().splitlines())
    assert variables[NAMESPACE.variable] == f"'{host.namespace}'"

    elsewhere = tmp_path / "container-user"
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: elsewhere))
    assert (Naming.for_home(home) == host) is not default, "without the variable, the default home is lost"
    monkeypatch.setenv(NAMESPACE.variable, host.namespace)
    assert Naming.for_home(home) == host
