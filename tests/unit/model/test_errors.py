"""The exception tree's AWS identities (docs/reference.md §5), for the API to serialise."""

import ast
import sys
from pathlib import Path

import pytest

from emulator.model import errors
from emulator.model.versions import UnsupportedVersionError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("error", "aws_code", "http_status", "exit_code"),
    [
        (errors.MwaaLocalError, "InternalServerException", 500, 1),
        (errors.DockerUnavailableError, "InternalServerException", 500, 3),
        (errors.PortInUseError, "InternalServerException", 500, 4),
        (errors.ImageBuildError, "InternalServerException", 500, 5),
        (errors.StartTimeoutError, "InternalServerException", 500, 6),
        (errors.EnvironmentConfigError, "ValidationException", 400, 2),
        (UnsupportedVersionError, "ValidationException", 400, 2),
        (errors.StateError, "InternalServerException", 500, 1),
        (errors.EnvironmentNotFoundError, "ResourceNotFoundException", 404, 1),
    ],
)
def test_every_error_has_an_aws_identity(
    error: type[errors.MwaaLocalError], aws_code: str, http_status: int, exit_code: int
) -> None:
    raised = error("message", hint="hint")
    assert (raised.aws_code, raised.http_status, raised.exit_code) == (aws_code, http_status, exit_code)
    assert (raised.message, raised.hint, str(raised)) == ("message", "hint", "message")


def test_not_found_is_a_state_error() -> None:
    assert issubclass(errors.EnvironmentNotFoundError, errors.StateError)


def test_errors_module_uses_the_standard_library_only() -> None:
    tree = ast.parse(Path(errors.__file__).read_text())
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported - set(sys.stdlib_module_names)
