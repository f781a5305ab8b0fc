"""Which Airflow CLI commands the `/aws_mwaa/cli` endpoint runs, and how a body is split."""

from __future__ import annotations

import pytest

from emulator.container.edge.allowed_commands import MAX_BODY_BYTES, CommandRefused, allowed, parse

pytestmark = pytest.mark.unit


def test_a_body_is_split_as_a_shell_would_without_running_one() -> None:
    assert parse(b"""dags trigger d --conf '{"a": 1}'""", "3.3.1") == ["dags", "trigger", "d", "--conf", '{"a": 1}']
    assert parse(b"variables set greeting 'hello; rm -rf /' ", "2.10.3") == [
        "variables",
        "set",
        "greeting",
        "hello; rm -rf /",
    ]
    assert parse(b"dags list $(reboot) `id`", "3.3.1") == ["dags", "list", "$(reboot)", "`id`"], "no expansion"
    assert parse(b"version", "2.10.3") == ["version"]


@pytest.mark.parametrize(
    ("body", "version", "message"),
    [
        (
            b"db reset",
            "3.3.1",
            "`db reset` is not an Airflow CLI command MWAA runs on Airflow 3.3.1; `db` takes: clean.",
        ),
        (b"users create -u x", "2.10.3", "`users` is not an Airflow CLI command MWAA runs on Airflow 2.10.3."),
        (b"tasks run d t 2024-01-01", "3.3.1", "`tasks run` is not"),
        (b"dags backfill d", "3.3.1", "`dags backfill` is not"),
        (b"dags", "3.3.1", "`dags` is not an Airflow CLI command MWAA runs on Airflow 3.3.1; `dags` takes:"),
        (b"airflow dags list", "3.3.1", "without the leading `airflow`"),
        (b"   ", "3.3.1", "The request body is empty"),
        (b"dags list 'unclosed", "3.3.1", "cannot be split"),
        (b"\xff\xfe", "3.3.1", "cannot be split"),
        (b"dags list " + b"x" * MAX_BODY_BYTES, "3.3.1", "the limit is"),
    ],
)
def test_what_mwaa_would_not_run_is_refused_saying_why(body: bytes, version: str, message: str) -> None:
    with pytest.raises(CommandRefused) as refused:
        parse(body, version)
    assert message in str(refused.value)


def test_airflow_2_allows_what_each_minor_version_added() -> None:
    assert "run" in allowed("2.10.3")["tasks"] and "backfill" in allowed("2.10.3")["dags"], "Airflow 2 only"
    assert "notifications" in allowed("2.10.3")["providers"]
    assert "notifications" not in allowed("2.7.2")["providers"] and "triggerer" in allowed("2.7.2")["providers"]
    assert "list-import-errors" not in allowed("2.5.1")["dags"] and "db" in allowed("2.5.1")
    assert "assets" not in allowed("2.10.3") and "assets" in allowed("3.0.6")
    assert parse(b"dags list-import-errors", "2.10.3") == ["dags", "list-import-errors"]
