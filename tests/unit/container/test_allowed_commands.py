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


@pytest.mark.parametrize(
    ("body", "version", "option"),
    [
        (b"dags list -S /etc", "3.3.1", "--subdir"),
        (b"dags list -S/etc", "3.3.1", "--subdir"),
        (b"dags list --subdir=/etc", "2.10.3", "--subdir"),
        (b"dags list --sub /etc", "2.10.3", "--subdir"),
        (b"dags show my_dag --save /tmp/x.png", "3.3.1", "--save"),
        (b"dags test my_dag --save-dagrun /tmp/run.png", "3.3.1", "--save-dagrun"),
        (b"tasks run d t 2024-01-01 --cfg-path /etc/passwd", "2.10.3", "--cfg-path"),
        (b"tasks run d t 2024-01-01 -p /tmp/pickle", "2.10.3", "--pickle"),
        (b"tasks run d t 2024-01-01 --pickle=1", "2.10.3", "--pickle"),
    ],
)
def test_options_that_read_or_write_a_path_are_refused_saying_why(body: bytes, version: str, option: str) -> None:
    with pytest.raises(CommandRefused) as refused:
        parse(body, version)
    assert refused.value.disallowed
    assert f"({option})" in str(refused.value) and "refuses options that read or write a path" in str(refused.value)


def test_options_that_only_look_like_path_options_still_run() -> None:
    assert parse(b"dags list -o json", "3.3.1") == ["dags", "list", "-o", "json"]
    assert parse(b'dags trigger d -c \'{"p": "-S"}\'', "3.3.1")[-1] == '{"p": "-S"}'
    assert parse(b"dags state d 2024-01-01 --", "2.10.3")[-1] == "--"
    assert parse(b"tasks clear d -s 2024-01-01 -y", "2.10.3")[:2] == ["tasks", "clear"]
