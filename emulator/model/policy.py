"""IAM identity policies, as far as MWAA's actions need them: statements that Allow or Deny
actions (`airflow:CreateCliToken`, `airflow:*`) on resources (environment and Airflow-role ARNs),
with IAM's `*`/`?` wildcards and NotAction/NotResource. An explicit Deny wins; no Allow means
no. Conditions are refused when the policy is read rather than ignored: a policy must never
allow more here than it would on AWS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from emulator.model.errors import EnvironmentConfigError

VERSIONS = ("2012-10-17", "2008-10-17")
_KNOWN_MEMBERS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource"}


class PolicyError(EnvironmentConfigError):
    """A policy document mwaa-local cannot read (or would read more loosely than AWS)."""


@lru_cache(maxsize=1024)
def _wildcard(pattern: str, fold_case: bool) -> re.Pattern[str]:
    """IAM's wildcards: `*` any run of characters, `?` any one; everything else literal (so
    `[a-z]` is three characters, not fnmatch's class)."""
    body = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if fold_case else 0))


def wildcard_match(value: str, pattern: str, fold_case: bool = False) -> bool:
    return _wildcard(pattern, fold_case).fullmatch(value) is not None


@dataclass(frozen=True)
class Statement:
    effect: str  # "Allow" | "Deny"
    actions: tuple[str, ...]
    actions_excluded: bool  # NotAction
    resources: tuple[str, ...]
    resources_excluded: bool  # NotResource

    def applies(self, action: str, resource: str) -> bool:
        # IAM matches action names case-insensitively and resources case-sensitively.
        action_listed = any(wildcard_match(action, pattern, fold_case=True) for pattern in self.actions)
        resource_listed = any(wildcard_match(resource, pattern) for pattern in self.resources)
        return action_listed != self.actions_excluded and resource_listed != self.resources_excluded


@dataclass(frozen=True)
class Policy:
    statements: tuple[Statement, ...]

    def allows(self, action: str, resource: str) -> bool:
        applying = [statement.effect for statement in self.statements if statement.applies(action, resource)]
        return "Allow" in applying and "Deny" not in applying


# The region's admin: every action of every service the region serves, as an account's root keys.
ALLOW_ALL = Policy((Statement("Allow", ("*",), False, ("*",), False),))


def parse(document: Any, where: str) -> Policy:
    """A policy from its JSON document; PolicyError naming `where` and the member at fault."""
    if not isinstance(document, Mapping):
        raise PolicyError(f"{where}: a policy is a JSON object with Version and Statement.")
    if document.get("Version", VERSIONS[0]) not in VERSIONS:
        raise PolicyError(f"{where}: Version must be one of {', '.join(VERSIONS)}, not {document.get('Version')!r}.")
    statements = document.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise PolicyError(f"{where}: Statement must be a statement object or a non-empty list of them.")
    return Policy(tuple(_statement(item, f"{where} Statement[{index}]") for index, item in enumerate(statements)))


def _statement(item: Any, where: str) -> Statement:
    if not isinstance(item, Mapping):
        raise PolicyError(f"{where}: a statement is a JSON object.")
    unknown = sorted(set(item) - _KNOWN_MEMBERS)
    if unknown:
        raise PolicyError(
            f"{where}: {', '.join(unknown)} not supported by mwaa-local (it reads Effect, Action or NotAction, "
            "Resource or NotResource); remove them rather than have the statement allow more than on AWS."
        )
    if item.get("Effect") not in ("Allow", "Deny"):
        raise PolicyError(f"{where}: Effect must be Allow or Deny, not {item.get('Effect')!r}.")
    actions, actions_excluded = _one_of(item, "Action", "NotAction", where)
    resources, resources_excluded = _one_of(item, "Resource", "NotResource", where)
    return Statement(str(item["Effect"]), actions, actions_excluded, resources, resources_excluded)


def _one_of(item: Mapping[str, Any], member: str, negated: str, where: str) -> tuple[tuple[str, ...], bool]:
    if (member in item) == (negated in item):
        raise PolicyError(f"{where}: exactly one of {member} and {negated} is required.")
    key = member if member in item else negated
    value = item[key]
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(entry, str) and entry for entry in values):
        raise PolicyError(f"{where}: {key} must be a non-empty string or list of strings.")
    return tuple(values), key == negated
