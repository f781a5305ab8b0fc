import re
from pathlib import Path

import pytest

from emulator.model import versions
from emulator.model.container_variables import component_variables
from emulator.model.record import build_record

ROOT = Path(__file__).resolve().parents[3]


def test_default_is_mwaa_newest_version() -> None:
    assert versions.default_version() == "3.3.1"
    newest = max(versions.all_versions(), key=lambda v: tuple(map(int, v.split("."))))
    assert versions.default_version() == newest


def pins(path: Path) -> dict[str, str]:
    return dict(line.lower().split("==", 1) for line in path.read_text().split() if "==" in line)


@pytest.mark.parametrize("name", sorted(versions.all_versions()))
def test_every_version_has_its_pins_and_a_matching_python(name: str) -> None:
    version = versions.get(name)
    assert version.family == int(name.split(".")[0])
    assert version.python_patch.startswith(version.python + ".")
    assert version.constraints_url.endswith(f"constraints-{name}/constraints-{version.python}.txt")
    assert sorted(path.name for path in version.data_dir.iterdir()) == sorted(versions.DATA_FILES)
    assert len(pins(version.data_dir / "airflow-constraints.txt")) > 300, "Apache's constraints file is complete"
    assert pins(version.data_dir / "mwaa-essential-constraints.txt")["apache-airflow"] == name
    base = (version.data_dir / "mwaa-base-packages.txt").read_text().split()
    assert "apache-airflow[celery,statsd]==${AIRFLOW_VERSION}" in base


def test_pythons_follow_mwaa() -> None:
    assert versions.get("2.10.3").python == "3.11"
    assert versions.get("3.3.1").python == "3.12"
    assert versions.python_minors() == {"3.11", "3.12"}


@pytest.mark.parametrize(
    ("version", "execution_env"),
    [("3.2.1", "Amazon_MWAA_321"), ("3.3.1", "Amazon_MWAA_331"), ("2.10.3", "Amazon_MWAA_2103")],
)
def test_execution_env_is_spelled_like_mwaa(version: str, execution_env: str) -> None:
    record = build_record({"AirflowVersion": version})
    assert component_variables("worker", record)["AWS_EXECUTION_ENV"] == execution_env


def test_unknown_version_lists_the_supported_ones() -> None:
    with pytest.raises(
        versions.UnsupportedVersionError,
        match=r"Airflow 2\.4\.3 is not a version Amazon MWAA runs\. "
        r"Supported versions: 2\.9\.2, 2\.10\.1, 2\.10\.3, 2\.11\.0, 2\.11\.2, 3\.0\.6, 3\.2\.1, 3\.3\.1\.",
    ):
        versions.get("2.4.3")


def test_dockerfile_defaults_match_the_default_version() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    default = versions.get(versions.default_version())
    assert re.search(rf"^ARG AIRFLOW_VERSION={re.escape(default.version)}$", dockerfile, re.M)
    assert re.search(rf"^ARG PYTHON_VERSION={re.escape(default.python)}$", dockerfile, re.M)


@pytest.mark.parametrize(
    ("version", "package", "pin"),
    [
        ("3.2.1", "apache-airflow-providers-fab", "3.6.1"),
        ("3.3.1", "Apache-Airflow-Providers-FAB", "3.8.0"),
        ("3.3.1", "flask-appbuilder", "5.2.2"),  # MWAA's essential pin
        ("2.10.3", "not-a-package", None),
    ],
)
def test_a_versions_pin_of_a_package(version: str, package: str, pin: str | None) -> None:
    assert versions.get(version).pinned(package) == pin
