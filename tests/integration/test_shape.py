"""MWAA's mw1.small shape, every component alive and at work: two schedulers each with a
triggerer (MWAA's scheduler tasks) and the dag-processor on Airflow 3, in one scheduler
container; a Celery worker; two web servers (in one container, serving one application built
once). Each is counted and shown doing its job."""

from __future__ import annotations

import uuid

from tests.support import Environment


def test_every_component_of_mw1_small_runs_and_works(environment: Environment) -> None:
    running = environment.running_services()
    expected = {"scheduler": 1, environment.web_service: 1, "edge": 1, "sync": 1}
    assert {service: running.get(service) for service in expected} == expected, running
    assert "dag-processor" not in running, "the dag-processor runs in the scheduler container"
    described = environment.described()
    assert described["MinWorkers"] <= running["worker"] <= described["MaxWorkers"], running
    assert "triggerer" not in running, "the triggerers run inside the scheduler containers"

    # Two schedulers and two triggerers heartbeat, and on Airflow 3 one dag-processor.
    assert environment.live_jobs("SchedulerJob", "scheduler") == 2, environment.logs()
    assert environment.live_jobs("TriggererJob", "scheduler") == 2, environment.logs()
    if environment.family == 3:
        assert environment.live_jobs("DagProcessorJob", "scheduler") == 1

    # A deferred task finishes only through a triggerer, and resumes on a worker.
    environment.ensure_dag("it_deferred")
    run_id = f"shape-{uuid.uuid4().hex[:8]}"
    assert environment.run_dag("it_deferred", run_id, timeout=180) == "success", environment.logs()
    assert environment.task_hosts("it_deferred", run_id) <= environment.container_hostnames("worker")

    # Both web servers (MinWebservers) answer requests to the UI's one port.
    assert sorted(environment.web_servers()) == [1, 2]
    served = environment.served_by(12)
    assert sorted(served) == [1, 2] and all(served.values()), served
