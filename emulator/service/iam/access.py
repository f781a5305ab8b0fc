"""Access control of the MWAA API as AWS applies it (docs/reference.md §7): every request is signed by a
known principal, and the principal's policy allows the action on the operation's resource.
CreateWebLoginToken and InvokeRestApi act on an Airflow role (`…:role/<env>/<Role>`): the most
privileged role the policy allows is the one the caller gets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from emulator.model.account import ACCOUNT_ID, DEFAULT_REGION
from emulator.model.errors import AccessDeniedError
from emulator.model.policy import PolicyError
from emulator.model.view import environment_arn
from emulator.service.iam.principals import Principal, Principals
from emulator.service.iam.signature import SERVICE, UNKNOWN_KEY, SignedRequest, verify

# Airflow's default roles, most privileged first (docs/reference.md §9).
AIRFLOW_ROLES = ("Admin", "Op", "User", "Viewer", "Public")
ROLE_OPERATIONS = frozenset({"CreateWebLoginToken", "InvokeRestApi"})
# The data plane's operations act for the caller: their handlers are told who it is.
CALLER_OPERATIONS = frozenset({"CreateCliToken", *ROLE_OPERATIONS})
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Caller:
    """Who a data-plane operation acts for: MWAA's IamIdentity (`user/<name>`) and, for the role
    operations, the Airflow role the policy gives it (None for CreateCliToken)."""

    identity: str
    role: str | None = None


def role_arn(environment: str, role: str) -> str:
    return f"arn:aws:airflow:{DEFAULT_REGION}:{ACCOUNT_ID}:role/{environment}/{role}"


def denied(principal: Principal, action: str, resource: str) -> AccessDeniedError:
    return AccessDeniedError(
        f"User: {principal.arn} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action"
    )


class AccessControl:
    def __init__(self, principals: Principals, clock: Clock = lambda: datetime.now(UTC)) -> None:
        self.principals = principals
        self.clock = clock

    def caller(self, request: SignedRequest, service: str = SERVICE) -> Principal:
        """The principal that signed `request` for `service`; AccessDeniedError otherwise."""
        found: dict[str, Principal] = {}

        def secret_of(access_key: str) -> str | None:
            try:
                principal = self.principals.find(access_key)
            except PolicyError as error:
                raise AccessDeniedError(f"{UNKNOWN_KEY} ({error})") from error
            if principal is None:
                return None
            found[access_key] = principal
            return principal.secret_key

        access_key = verify(request, secret_of, DEFAULT_REGION, self.clock(), service)
        return found[access_key]

    def authorize(self, principal: Principal, operation: str, resource: str, service: str = SERVICE) -> None:
        action = f"{service}:{operation}"
        if not principal.policy.allows(action, resource):
            raise denied(principal, action, resource)

    def airflow_role(self, principal: Principal, operation: str, environment: str) -> str:
        """The most privileged Airflow role of `environment` the principal may `operation` as;
        AccessDeniedError (naming the Airflow roles) when it may use none."""
        action = f"airflow:{operation}"
        for role in AIRFLOW_ROLES:
            if principal.policy.allows(action, role_arn(environment, role)):
                return role
        raise AccessDeniedError(
            f"User: {principal.arn} is not authorized to perform: {action} with any Airflow role of environment "
            f"{environment}: allow it on {role_arn(environment, '<Admin|Op|User|Viewer|Public>')}"
        )


def resource_of(operation: str, labels: Mapping[str, str]) -> str:
    """The ARN an operation acts on, from its URI labels: the environment (`Name`,
    `EnvironmentName`), the tagged resource (`ResourceArn`), or `*` (ListEnvironments)."""
    if "ResourceArn" in labels:
        return labels["ResourceArn"]
    name = labels.get("Name") or labels.get("EnvironmentName")
    return environment_arn(name) if name else "*"


def check(access: AccessControl, principal: Principal, operation: str, labels: Mapping[str, str]) -> Caller:
    """Who the operation acts for; AccessDeniedError unless the principal's policy allows the
    operation on its resource."""
    if operation in ROLE_OPERATIONS:
        return Caller(principal.identity, access.airflow_role(principal, operation, labels["Name"]))
    access.authorize(principal, operation, resource_of(operation, labels))
    return Caller(principal.identity)
