from emulator.docker.compose import ServiceContainer, from_inspect
from emulator.docker.readiness import assess


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


def test_containers_are_read_from_docker_inspect() -> None:
    attrs = {
        "Name": "/mwaa_region-s3-1",
        "Config": {"Labels": {"com.docker.compose.service": "s3", "com.docker.compose.project": "mwaa_region"}},
        "State": {"Status": "running", "ExitCode": 0, "Health": {"Status": "healthy"}},
        "NetworkSettings": {
            "Ports": {
                "9001/tcp": [{"HostIp": "127.0.0.1", "HostPort": "9001"}],
                "9000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "9000"}],
                "8080/tcp": None,
            }
        },
    }
    expected = ServiceContainer(
        "s3", "mwaa_region-s3-1", "running", "healthy", 0, ("127.0.0.1:9000->9000", "127.0.0.1:9001->9001")
    )
    assert from_inspect(attrs) == expected
    exited = from_inspect(
        {
            "Name": "/p-init-1",
            "Config": {"Labels": {"com.docker.compose.service": "init"}},
            "State": {"Status": "exited", "ExitCode": 3},
        }
    )
    assert (exited.state, exited.health, exited.exit_code, exited.ready) == ("exited", "", 3, False)


def test_a_crash_looping_service_fails_at_once_instead_of_waiting_for_the_timeout() -> None:
    looping = ServiceContainer("scheduler", "s-1", "restarting", "", 1, restarts=3)
    once = ServiceContainer("worker", "w-1", "running", "starting", 0, restarts=1)
    readiness = assess([looping, once], ["scheduler", "worker"])
    assert readiness.failed == {"scheduler": "keeps crashing (restarted 3 times, restarting)"}
    assert readiness.waiting == {"worker": "starting"}


def test_a_container_the_engine_could_not_start_is_a_failure() -> None:
    blocked = ServiceContainer("api-server", "a-1", "created", "", 128, error="Bind for 127.0.0.1:8081 failed")
    assert assess([blocked], ["api-server"]).failed == {"api-server": "could not start: Bind for 127.0.0.1:8081 failed"}
