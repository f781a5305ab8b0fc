"""The Airflow CLI arguments init builds from values: no value can be read as an option."""

import argparse
import ast
import sys
from pathlib import Path

import pytest

from emulator.container.runtime.airflow_arguments import option, users_create, users_reset_password

PASSWORDS = ["-xyz", "-", "-p", "--help", "--password", "a=b", "=x", "-Zm9v_YmFy", "plain", " spaced "]


def airflow_like_parser() -> argparse.ArgumentParser:
    """`airflow users create` and `users reset-password` with the option shapes Airflow's FAB CLI gives them."""
    parser = argparse.ArgumentParser(prog="airflow")
    groups = parser.add_subparsers(dest="group", required=True)
    users = groups.add_parser("users").add_subparsers(dest="command", required=True)
    create = users.add_parser("create")
    create.add_argument("-u", "--username", required=True)
    create.add_argument("-p", "--password")
    create.add_argument("--use-random-password", action="store_true")
    create.add_argument("-r", "--role", required=True)
    create.add_argument("-f", "--firstname", required=True)
    create.add_argument("-l", "--lastname", required=True)
    create.add_argument("-e", "--email", required=True)
    reset = users.add_parser("reset-password")
    reset.add_argument("-u", "--username")
    reset.add_argument("-p", "--password")
    reset.add_argument("--use-random-password", action="store_true")
    return parser


def test_a_password_starting_with_a_dash_breaks_the_spaced_form(capsys: pytest.CaptureFixture[str]) -> None:
    spaced = ["users", "reset-password", "--username", "admin", "--password", "-xyz"]
    with pytest.raises(SystemExit) as exited:
        airflow_like_parser().parse_args(spaced)
    assert exited.value.code == 2, "what made init exit 2"
    assert "argument -p/--password: expected one argument" in capsys.readouterr().err


def test_values_are_joined_to_their_option() -> None:
    assert option("password", "-xyz") == "--password=-xyz"
    assert users_reset_password("admin", "-xyz") == ["users", "reset-password", "--username=admin", "--password=-xyz"]
    assert users_create("admin", "-xyz", "Admin", "Local", "Admin", "admin@mwaa-local.invalid") == [
        "users",
        "create",
        "--username=admin",
        "--password=-xyz",
        "--role=Admin",
        "--firstname=Local",
        "--lastname=Admin",
        "--email=admin@mwaa-local.invalid",
    ]


@pytest.mark.parametrize("password", PASSWORDS)
def test_users_create_passes_the_exact_password(password: str) -> None:
    arguments = users_create("admin", password, "Admin", "Local", "Admin", "admin@mwaa-local.invalid")
    parsed = airflow_like_parser().parse_args(arguments)
    assert (parsed.command, parsed.username, parsed.password, parsed.role) == ("create", "admin", password, "Admin")
    assert (parsed.firstname, parsed.lastname, parsed.email) == ("Local", "Admin", "admin@mwaa-local.invalid")
    assert parsed.use_random_password is False


@pytest.mark.parametrize("password", PASSWORDS)
def test_users_reset_password_passes_the_exact_password(password: str) -> None:
    parsed = airflow_like_parser().parse_args(users_reset_password("-admin", password))
    assert (parsed.command, parsed.username, parsed.password) == ("reset-password", "-admin", password)


RUNTIME = Path(__file__).resolve().parents[3] / "emulator" / "container" / "runtime"


def module_level_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_init_runs_on_airflows_interpreter_without_mwaa_locals_packages() -> None:
    arguments = module_level_imports(RUNTIME / "airflow_arguments.py")
    assert {name.split(".")[0] for name in arguments} <= set(sys.stdlib_module_names), arguments
    init = module_level_imports(RUNTIME / "airflow_init.py")
    ours = {"emulator.container.runtime.airflow_arguments", "airflow_arguments", "airflow.cli"}
    others = {name for name in init - ours if name.split(".")[0] not in sys.stdlib_module_names}
    assert others == {"psycopg2", "werkzeug.security"}


def test_init_builds_every_option_from_the_builders() -> None:
    """No `--option` literal of its own in airflow_init.py: a value after one could read as an option."""
    tree = ast.parse((RUNTIME / "airflow_init.py").read_text())
    literals = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    assert [value for value in literals if value.startswith("-")] == []
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "id", "") in (
        "users_create", "users_reset_password", "db_downgrade", "fab_db_downgrade")]  # fmt: skip
    assert len(calls) == 4
