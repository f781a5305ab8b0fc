"""MWAA's environment status machine (docs/reference.md §6): every transition, legal and illegal."""

from collections.abc import Callable

import pytest

from emulator.model import shapes, status
from emulator.model.errors import EnvironmentConfigError, StateError
from emulator.model.status import LastUpdate, Lifecycle, TransitionError

pytestmark = pytest.mark.unit

T0 = 1700000000.0
T1 = 1700000600.5


def at(state: str, last: LastUpdate | None = None) -> Lifecycle:
    return Lifecycle(name="team-a", status=state, created_at=T0, last_update=last or LastUpdate("SUCCESS", T0))


OPERATIONS: dict[str, Callable[[Lifecycle], Lifecycle]] = {
    "create_succeeded": status.create_succeeded,
    "create_failed": lambda lc: status.create_failed(lc, "INCORRECT_CONFIGURATION", "bad"),
    "updating": lambda lc: status.updating(lc, T1),
    "update_succeeded": status.update_succeeded,
    "rolling_back": lambda lc: status.rolling_back(lc, "INCORRECT_CONFIGURATION", "bad"),
    "rollback_finished": status.rollback_finished,
    "deleting": status.deleting,
    "deleted": status.deleted,
}
# operation → (statuses it starts from, status it ends in, what the message calls it)
LEGAL: dict[str, tuple[tuple[str, ...], str, str]] = {
    "create_succeeded": (("CREATING",), "AVAILABLE", "finishing a create"),
    "create_failed": (("CREATING",), "CREATE_FAILED", "failing a create"),
    "updating": (("AVAILABLE", "UPDATE_FAILED"), "UPDATING", "UpdateEnvironment"),
    "update_succeeded": (("UPDATING",), "AVAILABLE", "finishing an update"),
    "rolling_back": (("UPDATING",), "ROLLING_BACK", "rolling back an update"),
    "rollback_finished": (("ROLLING_BACK",), "UPDATE_FAILED", "finishing a rollback"),
    "deleting": (("AVAILABLE", "CREATE_FAILED", "UPDATE_FAILED", "UNAVAILABLE"), "DELETING", "DeleteEnvironment"),
    "deleted": (("DELETING",), "DELETED", "finishing a delete"),
}
CASES = [
    (operation, state)
    for operation in OPERATIONS
    for state in shapes.service_model().shape_for("EnvironmentStatus").enum
]


def test_statuses_come_from_the_model() -> None:
    assert status.ENVIRONMENT_STATUSES == (
        "CREATING",
        "CREATE_FAILED",
        "AVAILABLE",
        "UPDATING",
        "DELETING",
        "DELETED",
        "UNAVAILABLE",
        "UPDATE_FAILED",
        "ROLLING_BACK",
        "CREATING_SNAPSHOT",
        "PENDING",
        "MAINTENANCE",
    )
    assert status.UPDATE_STATUSES == ("SUCCESS", "PENDING", "FAILED")


@pytest.mark.parametrize(("operation", "state"), CASES)
def test_transition_table(operation: str, state: str) -> None:
    starts, ends, called = LEGAL[operation]
    if state in starts:
        after = OPERATIONS[operation](at(state))
        assert (after.name, after.status, after.created_at) == ("team-a", ends, T0)
        return
    with pytest.raises(TransitionError) as caught:
        OPERATIONS[operation](at(state))
    assert caught.value.message == f"Environment team-a is {state}; {called} needs it to be {' or '.join(starts)}."
    assert isinstance(caught.value, EnvironmentConfigError)
    assert (caught.value.aws_code, caught.value.http_status) == ("ValidationException", 400)


def test_update_while_updating_is_refused_with_a_clear_message() -> None:
    with pytest.raises(TransitionError, match=r"^Environment team-a is UPDATING; UpdateEnvironment needs it to be "):
        status.updating(status.updating(at("AVAILABLE"), T1), T1)


def test_create_moves_last_update_pending_to_success() -> None:
    created = status.creating("team-a", T0)
    assert created.to_dict() == {
        "Name": "team-a",
        "Status": "CREATING",
        "CreatedAt": T0,
        "LastUpdate": {"Status": "PENDING", "CreatedAt": T0},
    }
    assert status.create_succeeded(created).last_update.to_dict() == {"Status": "SUCCESS", "CreatedAt": T0}


def test_failed_create_fills_the_error() -> None:
    failed = status.create_failed(status.creating("team-a", T0), "INCORRECT_CONFIGURATION", "No such role.")
    assert failed.status == "CREATE_FAILED"
    assert failed.last_update.to_dict() == {
        "Status": "FAILED",
        "CreatedAt": T0,
        "Error": {"ErrorCode": "INCORRECT_CONFIGURATION", "ErrorMessage": "No such role."},
    }


def test_update_success_path() -> None:
    running = status.updating(at("AVAILABLE"), T1, source="mwaa-local", worker_replacement_strategy="GRACEFUL")
    assert running.last_update.to_dict() == {
        "Status": "PENDING",
        "CreatedAt": T1,
        "Source": "mwaa-local",
        "WorkerReplacementStrategy": "GRACEFUL",
    }
    done = status.update_succeeded(running)
    assert (done.status, done.created_at) == ("AVAILABLE", T0)
    assert done.last_update.to_dict() == {
        "Status": "SUCCESS",
        "CreatedAt": T1,
        "Source": "mwaa-local",
        "WorkerReplacementStrategy": "GRACEFUL",
    }


def test_update_failure_rolls_back_to_update_failed_with_the_error() -> None:
    rolling = status.rolling_back(status.updating(at("AVAILABLE"), T1), "INCORRECT_CONFIGURATION", "pip failed.")
    assert rolling.status == "ROLLING_BACK"
    failed = status.rollback_finished(rolling)
    assert failed.status == "UPDATE_FAILED"
    assert failed.last_update.to_dict() == {
        "Status": "FAILED",
        "CreatedAt": T1,
        "Error": {"ErrorCode": "INCORRECT_CONFIGURATION", "ErrorMessage": "pip failed."},
    }
    # A new update from UPDATE_FAILED starts clean.
    assert status.updating(failed, T1 + 1).last_update.to_dict() == {"Status": "PENDING", "CreatedAt": T1 + 1}


@pytest.mark.parametrize(
    ("state", "settled", "message"),
    [
        (
            "CREATING",
            "CREATE_FAILED",
            "The create of environment team-a was interrupted by a restart of the mwaa-local control plane.",
        ),
        (
            "UPDATING",
            "UPDATE_FAILED",
            "The update of environment team-a was interrupted by a restart of the mwaa-local control plane.",
        ),
    ],
)
def test_interrupted_operations_settle_failed(state: str, settled: str, message: str) -> None:
    after = status.settle_interrupted(at(state, LastUpdate("PENDING", T1)))
    assert after.status == settled
    assert after.last_update.to_dict() == {
        "Status": "FAILED",
        "CreatedAt": T1,
        "Error": {"ErrorCode": "INTERRUPTED", "ErrorMessage": message},
    }


def test_interrupted_rollback_ends_update_failed_keeping_its_error() -> None:
    last = LastUpdate("FAILED", T1, "INCORRECT_CONFIGURATION", "pip failed.")
    assert status.settle_interrupted(at("ROLLING_BACK", last)) == at("UPDATE_FAILED", last)


@pytest.mark.parametrize("state", ["AVAILABLE", "CREATE_FAILED", "UPDATE_FAILED", "DELETING", "DELETED"])
def test_settled_or_deleting_statuses_are_left_as_they_are(state: str) -> None:
    assert status.settle_interrupted(at(state)) == at(state)


def test_round_trip_through_json_shapes() -> None:
    lifecycle = status.rolling_back(status.updating(at("AVAILABLE"), T1, source="API"), "E", "why")
    assert Lifecycle.from_dict(lifecycle.to_dict()) == lifecycle
    created = status.creating("x", T0)
    assert Lifecycle.from_dict(created.to_dict()) == created


def test_last_update_fits_the_model_shape() -> None:
    shape = shapes.operation("GetEnvironment").output_shape.members["Environment"].members["LastUpdate"]
    last = LastUpdate("FAILED", T1, "INCORRECT_CONFIGURATION", "pip failed.", "API", "FORCED")
    assert shapes.validate_value(last.to_dict(), shape, "lastUpdate") == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "A saved environment status must be a JSON object; got []."),
        (
            {"Name": "a", "Status": "BROKEN", "CreatedAt": T0, "LastUpdate": {}},
            "Environment a has the saved status 'BROKEN'; known: " + ", ".join(status.ENVIRONMENT_STATUSES) + ".",
        ),
        (
            {"Name": "a", "Status": "AVAILABLE", "CreatedAt": "yesterday", "LastUpdate": {}},
            "A saved CreatedAt must be epoch seconds; got 'yesterday'.",
        ),
        (
            {"Name": "a", "Status": "AVAILABLE", "CreatedAt": T0, "LastUpdate": {"Status": "DONE", "CreatedAt": T0}},
            "A saved LastUpdate has status 'DONE'; known: SUCCESS, PENDING, FAILED.",
        ),
        (
            {"Name": "a", "Status": "AVAILABLE", "CreatedAt": T0, "LastUpdate": None},
            "A saved LastUpdate must be a JSON object; got None.",
        ),
    ],
)
def test_unreadable_saved_status_is_a_state_error(data: object, message: str) -> None:
    with pytest.raises(StateError) as caught:
        Lifecycle.from_dict(data)
    assert caught.value.message == message
