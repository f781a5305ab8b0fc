"""requirements.txt as MWAA installs it: constraints added, essential pins enforced before pip."""

from __future__ import annotations

from emulator.container.runtime import requirements
from emulator.model import configuration_files
from emulator.model.versions import get

ESSENTIAL = (get("2.10.3").data_dir / "mwaa-essential-constraints.txt").read_text()


def test_a_requirement_against_an_essential_pin_is_refused_with_the_pin() -> None:
    pins = configuration_files.pins(ESSENTIAL)
    found = configuration_files.conflicts("# mine\npyjokes==0.6.0\ncelery==5.0.0\n", pins)
    assert [(conflict.line, conflict.package) for conflict in found] == [(3, "celery")]
    assert f"MWAA pins to {pins['celery']}" in found[0].message()
    assert "requirements.txt line 3: 'celery==5.0.0' would change celery" in found[0].message()


def test_requirements_that_allow_the_pinned_versions_pass() -> None:
    pins = configuration_files.pins(ESSENTIAL)
    text = f"celery>=5\napache-airflow=={pins['apache-airflow']}\nSQLAlchemy\n-c /some/file\n--index-url https://x\n"
    assert configuration_files.conflicts(text, pins) == []


def test_airflow_itself_cannot_change() -> None:
    found = configuration_files.conflicts("apache-airflow==2.9.0\n", configuration_files.pins(ESSENTIAL))
    assert [conflict.package for conflict in found] == ["apache-airflow"]


def test_urls_paths_and_options_are_left_to_pip() -> None:
    text = "--find-links /usr/local/airflow/plugins\n-r other.txt\nhttps://example.com/x.whl\n./local\n"
    assert configuration_files.conflicts(text, configuration_files.pins(ESSENTIAL)) == []
    assert configuration_files.requirement_lines("# only a comment\n\n--no-index\n") == []


def test_constraints_are_added_with_a_warning_when_the_file_names_none() -> None:
    said: list[str] = []
    text = requirements.with_constraints("pyjokes==0.6.0\n", "/c.txt", said.append)
    assert text == "pyjokes==0.6.0\n-c /c.txt\n"
    assert len(said) == 1 and "WARNING" in said[0] and "/c.txt" in said[0]


def test_a_file_with_its_own_constraints_is_left_alone() -> None:
    for line in ("-c https://x/constraints.txt", "--constraint /c.txt", "--constraint=/c.txt"):
        said: list[str] = []
        text = f"{line}\npyjokes\n"
        assert requirements.with_constraints(text, "/other.txt", said.append) == text
        assert said == []
