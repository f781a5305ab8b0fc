"""`mwaa-local parse`'s report: each import error as `file:line: exception`, the line being the
innermost frame in the user's own code (dags/ or plugins/), and the workspace copied where the
DAG processor reads it, plugins/ replacing whatever the image held."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.container.runtime import configuration, dag_parse
from emulator.container.runtime.dag_parse import ImportProblem, problem_of

SYNTAX_ERROR = """Traceback (most recent call last):
  File "<frozen importlib._bootstrap>", line 488, in _call_with_frames_removed
  File "/usr/local/airflow/dags/broken.py", line 4
    with DAG("broken" as dag:
                     ^^
SyntaxError: invalid syntax
"""
# A module of plugins/ imported by a DAG, failing inside: the plugin's line is the one to fix.
PLUGIN_ERROR = """Traceback (most recent call last):
  File "/usr/local/airflow/.local/lib/python3.12/site-packages/airflow/models/dagbag.py", line 383, in parse
  File "/usr/local/airflow/dags/uses_plugin.py", line 2, in <module>
    from helpers.names import NAME
  File "/usr/local/airflow/plugins/helpers/names.py", line 1, in <module>
    NAME = 1 / 0
ZeroDivisionError: division by zero
"""


def test_a_syntax_error_names_the_file_and_its_line() -> None:
    problem = problem_of("/usr/local/airflow/dags/broken.py", SYNTAX_ERROR)
    assert problem == ImportProblem("dags/broken.py", 4, "SyntaxError: invalid syntax")
    assert str(problem) == "dags/broken.py:4: SyntaxError: invalid syntax"


def test_the_innermost_frame_in_the_users_code_is_the_line_shown() -> None:
    problem = problem_of("/usr/local/airflow/dags/uses_plugin.py", PLUGIN_ERROR)
    assert str(problem) == "plugins/helpers/names.py:1: ZeroDivisionError: division by zero"


def test_an_error_without_a_traceback_keeps_the_file_and_the_message() -> None:
    message = "AirflowDagCycleException: Cycle detected in DAG: cyclic. Faulty task: a"
    problem = problem_of("/usr/local/airflow/dags/cyclic.py", message)
    assert str(problem) == f"dags/cyclic.py: {message}"


def test_a_path_outside_airflow_home_is_shown_as_it_is() -> None:
    assert dag_parse.shown_path("/tmp/elsewhere.py") == "/tmp/elsewhere.py"
    assert dag_parse.shown_path("/usr/local/airflow/dags/a/b.py") == "dags/a/b.py"


def test_the_workspace_replaces_the_images_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dags, plugins = tmp_path / "airflow" / "dags", tmp_path / "airflow" / "plugins"
    monkeypatch.setattr(dag_parse, "DAGS", dags)
    monkeypatch.setattr(configuration, "PLUGINS", plugins)
    (plugins / "gone").mkdir(parents=True)
    (plugins / "gone" / "old.py").write_text("")
    workspace = tmp_path / "workspace"
    (workspace / "dags" / "__pycache__").mkdir(parents=True)
    (workspace / "dags" / "a.py").write_text("dag")
    (workspace / "dags" / "__pycache__" / "a.pyc").write_text("")
    (workspace / "plugins" / "helpers").mkdir(parents=True)
    (workspace / "plugins" / "helpers" / "names.py").write_text("NAME = 1")

    dag_parse.copy_workspace(workspace)

    assert sorted(str(path.relative_to(dags)) for path in dags.rglob("*")) == ["a.py"]
    assert sorted(str(path.relative_to(plugins)) for path in plugins.rglob("*")) == ["helpers", "helpers/names.py"]


def test_paths_in_the_message_read_as_the_workspaces() -> None:
    message = (
        "AirflowDagDuplicatedIdException: Ignoring DAG d from /usr/local/airflow/dags/b.py - "
        "also found in /usr/local/airflow/dags/a.py"
    )
    problem = problem_of("/usr/local/airflow/dags/b.py", message)
    assert problem.error.endswith("Ignoring DAG d from dags/b.py - also found in dags/a.py")
