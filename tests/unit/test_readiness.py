from emulator.stack.compose import ServiceContainer, parse_ps, to_container
from emulator.stack.readiness import assess


def container(service: str, state: str = "running", health: str = "healthy", code: int = 0) -> ServiceContainer:
    return ServiceContainer(service, f"p-{service}-1", state, health, code)


def test_ready_when_every_service_is_healthy_and_init_finished() -> None:
    result = assess(
        [container("init", "exited", "", 0), container("scheduler"), container("redis", health="")],
        ["init", "scheduler", "redis"],
    )
    assert result.complete
    assert result.ready == ["init", "scheduler", "redis"]


def test_waiting_services_say_what_they_are_doing() -> None:
    result = assess(
        [container("scheduler", health="starting"), container("init", health="")], ["scheduler", "init", "worker"]
    )
    assert result.waiting == {"scheduler": "starting", "init": "running", "worker": "not created yet"}


def test_a_failed_init_is_a_failure() -> None:
    result = assess([container("init", "exited", "", 3)], ["init"])
    assert result.failed == {"init": "exited (code 3)"}


def test_every_replica_must_be_ready() -> None:
    result = assess([container("worker"), container("worker", health="unhealthy")], ["worker"])
    assert result.waiting == {"worker": "unhealthy"}


def test_compose_ps_json_lines_and_arrays() -> None:
    line = (
        '{"Service":"s3","Name":"r-s3-1","State":"running","Health":"healthy","ExitCode":0,'
        '"Publishers":[{"URL":"127.0.0.1","TargetPort":9000,"PublishedPort":9000},{"TargetPort":9001,"PublishedPort":0}]}'
    )
    for output in (line + "\n", f"[{line}]"):
        (entry,) = parse_ps(output)
        parsed = to_container(entry)
        assert parsed == ServiceContainer("s3", "r-s3-1", "running", "healthy", 0, ("127.0.0.1:9000->9000",))
    assert parse_ps("") == []
