"""`scripts/bench --scaling-only`: the autoscaler's rows. A backlog of 15 sleeping tasks on
MinWorkers 1 / MaxWorkers 3 (mw1.small, 5 tasks per worker): seconds from the trigger until an
added worker runs a task and until three workers do; seconds from the run's end until the
workers are back to one (the `dev` timings' 20 s cooldown included); then the memory of one idle
worker in each class, and of mw1.micro's hybrid container."""

from __future__ import annotations

import io
import time
from typing import Any

from emulator.cli import lifecycle
from emulator.cli.lifecycle import Context, stack_of
from emulator.model import versions
from emulator.model.timings import DEV
from tools.bench import BUCKET, call_api, container_of, rss_mib, settled, sql_condition, wait_inside

FAN_OUT_ID = "bench_fan_out"
FAN_OUT_TEXT = f"""
from datetime import datetime

from airflow import DAG

try:
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:
    from airflow.operators.bash import BashOperator

with DAG("{FAN_OUT_ID}", start_date=datetime(2024, 1, 1), schedule=None, catchup=False, max_active_tasks=15):
    for number in range(15):
        BashOperator(task_id=f"sleep_{{number:02d}}", bash_command="sleep 30")
"""
WORKER_CLASSES = ("mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge")


def worker_hosts(context: Context, name: str) -> list[str]:
    return [c.hostname for c in stack_of(context, name).containers() if c.service == "worker" and c.state == "running"]


def bench_scaling(context: Context, name: str, version: str, port: int, settle: float) -> dict[str, Any]:
    api = lifecycle.api(context)
    settled(context, api, "update_environment", {"Name": name, "MinWorkers": 1, "MaxWorkers": 3})
    project = stack_of(context, name).project
    postgres = container_of(project, "postgres")
    data = FAN_OUT_TEXT.encode()
    context.region().client().put_object(BUCKET, f"dags/{FAN_OUT_ID}.py", io.BytesIO(data), len(data))
    wait_inside(postgres, sql_condition(f"select 1 from dag where dag_id = '{FAN_OUT_ID}'"))
    first = ", ".join(f"'{host}'" for host in worker_hosts(context, name))
    family = versions.get(version).family
    password = context.state(name).secrets().admin_password
    base = f"http://127.0.0.1:{port}"
    call_api(base, family, password, "PATCH", f"/dags/{FAN_OUT_ID}", {"is_paused": False})
    body: dict[str, Any] = {"dag_run_id": "fan_out"} | ({"logical_date": None} if family == 3 else {})
    started = time.monotonic()
    call_api(base, family, password, "POST", f"/dags/{FAN_OUT_ID}/dagRuns", body)
    tasks = f"from task_instance where dag_id = '{FAN_OUT_ID}' and state in ('running', 'success')"
    wait_inside(postgres, sql_condition(f"select 1 {tasks} and hostname not in ({first}) limit 1"), 120)
    result: dict[str, Any] = {"backlog_to_added_worker_running_seconds": round(time.monotonic() - started, 2)}
    wait_inside(postgres, sql_condition(f"select 1 {tasks} having count(distinct hostname) = 3"), 120)
    result["backlog_to_three_workers_running_seconds"] = round(time.monotonic() - started, 2)
    wait_inside(
        postgres, sql_condition(f"select 1 from dag_run where dag_id = '{FAN_OUT_ID}' and state = 'success'"), 300
    )
    finished = time.monotonic()
    while len([c for c in project.containers() if c.service == "worker"]) > 1:
        time.sleep(0.5)
    result["run_end_to_one_worker_seconds"] = round(time.monotonic() - finished, 2)
    result["scale_in_cooldown_seconds"] = DEV.scale_in_cooldown
    memory: dict[str, float] = {}
    for environment_class in WORKER_CLASSES:
        settled(context, api, "update_environment", {"Name": name, "EnvironmentClass": environment_class})
        time.sleep(settle)
        (worker,) = [c.name for c in project.containers() if c.service == "worker" and c.state == "running"]
        memory[environment_class] = rss_mib(project, only=[worker])[worker]
    # mw1.micro allows one of each: the update names them all.
    micro = {"EnvironmentClass": "mw1.micro", "Schedulers": 1, "MaxWorkers": 1, "MinWebservers": 1, "MaxWebservers": 1}
    settled(context, api, "update_environment", {"Name": name, **micro})
    time.sleep(settle)
    hybrid = container_of(project, "hybrid")
    memory["mw1.micro (the whole hybrid container)"] = rss_mib(project, only=[hybrid])[hybrid]
    result["idle_worker_rss_mib"] = memory
    return result
