"""Validation of request members against botocore's MWAA service model.

The shapes (types, required members, lengths, ranges, patterns, enums) come from the model
that ships with botocore, so they follow MWAA's API as botocore knows it. Messages follow
the form AWS services use for a ValidationException:
`Value 'x' at 'name' failed to satisfy constraint: Member must …`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import botocore.session
import regex
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape


class ModelPatternError(RuntimeError):
    """A pattern of the service model that mwaa-local cannot compile: a bug to report, never a
    reason to let every value through."""


@cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("mwaa")


def operation(name: str) -> OperationModel:
    return service_model().operation_model(name)


@cache
def compile_pattern(pattern: str) -> regex.Pattern[str]:
    """A model pattern (Java syntax, matched against the whole value) compiled with `regex`,
    which reads Java's `\\p{L}` and other Unicode properties as is (`re` has none). Closer still
    to Java: `.` does not match `\\r` either (WORD), and `\\w`, `\\d`, `\\s` are ASCII-only
    (Java's default) in patterns that use no Unicode property."""
    flags = regex.WORD | (0 if r"\p{" in pattern else regex.ASCII)
    try:
        return regex.compile(pattern, flags)
    except regex.error as error:
        raise ModelPatternError(
            f"mwaa-local cannot compile the pattern {pattern!r} of botocore's MWAA model: {error}."
        ) from error


def _camel(member: str) -> str:
    return member[:1].lower() + member[1:]


def _show(value: Any) -> str:
    return "null" if value is None else f"'{value}'"


# Maximum lengths in the model that MWAA's service does not enforce (botocore checks only minimums
# on the client side, so callers reach the service with longer values). InvokeRestApi's Path:
# the amazon provider's MwaaDagRunSensor, MwaaTaskSensor and MwaaTriggerDagRunOperator(
# wait_for_completion=True) poll `/dags/<dag>/dagRuns/<run>[/taskInstances/<task>]`, longer than
# 64 characters for ordinary ids, and work on MWAA.
UNENFORCED_MAXIMUMS = frozenset({"RestApiPath"})


class _Validator:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, value: Any, path: str, constraint: str) -> None:
        self.errors.append(f"Value {_show(value)} at '{path}' failed to satisfy constraint: Member must {constraint}")

    def check(self, value: Any, shape: Shape, path: str, require: bool = True) -> None:
        kind = shape.type_name
        if kind == "structure":
            assert isinstance(shape, StructureShape)
            self.check_structure(value, shape, path, require)
        elif kind == "list":
            assert isinstance(shape, ListShape)
            self.check_list(value, shape, path)
        elif kind == "map":
            assert isinstance(shape, MapShape)
            self.check_map(value, shape, path)
        elif kind == "string":
            self.check_string(value, shape, path)
        elif kind in ("integer", "long"):
            self.check_integer(value, shape, path)
        elif kind == "boolean" and not isinstance(value, bool):
            self.fail(value, path, "be a boolean")

    def check_structure(self, value: Any, shape: StructureShape, path: str, require: bool) -> None:
        if not isinstance(value, dict):
            self.fail(value, path, "be an object")
            return
        prefix = f"{path}." if path else ""
        for unknown in sorted(set(value) - set(shape.members)):
            known = ", ".join(shape.members)
            self.errors.append(f"Unknown member '{prefix}{unknown}'. Known members: {known}")
        if require:
            for member in shape.required_members:
                if value.get(member) is None:
                    self.fail(None, prefix + _camel(member), "not be null")
        for member, member_shape in shape.members.items():
            if member in value and value[member] is not None:
                self.check(value[member], member_shape, prefix + _camel(member))

    def check_sized(self, value: Any, size: int, shape: Shape, path: str, unit: str) -> None:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if shape.name in UNENFORCED_MAXIMUMS:
            high = None
        if low is not None and size < low:
            self.fail(value, path, f"have {unit} greater than or equal to {low}")
        if high is not None and size > high:
            self.fail(value, path, f"have {unit} less than or equal to {high}")

    def check_list(self, value: Any, shape: ListShape, path: str) -> None:
        if not isinstance(value, list):
            self.fail(value, path, "be a list")
            return
        self.check_sized(value, len(value), shape, path, "length")
        for index, item in enumerate(value):
            self.check(item, shape.member, f"{path}.{index + 1}")

    def check_map(self, value: Any, shape: MapShape, path: str) -> None:
        if not isinstance(value, dict):
            self.fail(value, path, "be an object")
            return
        self.check_sized(value, len(value), shape, path, "length")
        for key, item in value.items():
            self.check(key, shape.key, f"{path}.key")
            self.check(item, shape.value, f"{path}.{key}")

    def check_string(self, value: Any, shape: Shape, path: str) -> None:
        if not isinstance(value, str):
            self.fail(value, path, "be a string")
            return
        self.check_sized(value, len(value), shape, path, "length")
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            self.fail(value, path, f"satisfy enum value set: [{', '.join(enum)}]")
        pattern = shape.metadata.get("pattern")
        if pattern and not compile_pattern(pattern).fullmatch(value):
            self.fail(value, path, f"satisfy regular expression pattern: {pattern}")

    def check_integer(self, value: Any, shape: Shape, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(value, path, "be an integer")
            return
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            self.fail(value, path, f"have value greater than or equal to {low}")
        if high is not None and value > high:
            self.fail(value, path, f"have value less than or equal to {high}")


def validate_input(operation_name: str, members: dict[str, Any], require: bool = True) -> list[str]:
    """Every way `members` breaks the operation's input shape; empty when it fits.

    `require=False` skips the top-level required members (for partial input that defaults
    complete); required members of nested structures are always checked.
    """
    validator = _Validator()
    validator.check_structure(members, operation(operation_name).input_shape, "", require)
    return validator.errors


def validate_members(members: dict[str, Any], shape: StructureShape) -> list[str]:
    """Every way `members` breaks an input shape (of any service's model); empty when it fits."""
    validator = _Validator()
    validator.check_structure(members, shape, "", True)
    return validator.errors


def validate_value(value: Any, shape: Shape, path: str) -> list[str]:
    """Every way `value` breaks `shape` (a member at `path`); empty when it fits."""
    validator = _Validator()
    validator.check(value, shape, path)
    return validator.errors


def validation_message(errors: list[str]) -> str:
    """The ValidationException message for a list of violations, as AWS words it."""
    count = len(errors)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(errors)


def without_documents(value: Any, shape: Shape) -> Any:
    """`value` with every document-typed member (free-form JSON, e.g. InvokeRestApi's Body)
    replaced by `{}`, for validation against the shape: a document has no members to check."""
    if getattr(shape, "is_document_type", False):
        return {}
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        return {
            key: without_documents(item, shape.members[key]) if key in shape.members else item
            for key, item in value.items()
        }
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {key: without_documents(item, shape.value) for key, item in value.items()}
    return value
