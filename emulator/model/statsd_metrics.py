"""Airflow's StatsD metrics as MWAA publishes them to CloudWatch (docs/reference.md §22): the
`AmazonMWAA` namespace, MWAA's metric names, and its dimensions (`Function`, `DAG`, `Task`,
`Pool`, `Operator`, `Job`, `DAG Filename`), each with the `Environment` dimension too.

Airflow sends `<prefix>.<metric>:<value>|<type>`; mwaa-local sets the prefix to the environment's
name (MWAA's own agent is told by its container which environment it serves).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

NAMESPACE = "AmazonMWAA"
SCHEDULER, EXECUTOR, DAG_PROCESSING, CELERY = "Scheduler", "Executor", "DAG Processing", "Celery"
ALL = "All"

# Metrics with fixed names: Airflow's name → (CloudWatch's name, its Function or None for
# DAG=All/Task=All).
FIXED: dict[str, tuple[str, str | None]] = {
    "scheduler_heartbeat": ("SchedulerHeartbeat", SCHEDULER),
    "scheduler.critical_section_busy": ("CriticalSectionBusy", SCHEDULER),
    "scheduler.critical_section_duration": ("CriticalSectionDuration", SCHEDULER),
    "scheduler.tasks.killed_externally": ("TasksKilledExternally", SCHEDULER),
    "scheduler.tasks.executable": ("TasksExecutable", SCHEDULER),
    "scheduler.tasks.pending": ("TasksPending", SCHEDULER),
    "scheduler.tasks.running": ("TasksRunning", SCHEDULER),
    "scheduler.tasks.starving": ("TasksStarving", SCHEDULER),
    "scheduler.tasks.without_dagrun": ("TasksWithoutDagRun", SCHEDULER),
    "scheduler.orphaned_tasks.adopted": ("OrphanedTasksAdopted", SCHEDULER),
    "scheduler.orphaned_tasks.cleared": ("OrphanedTasksCleared", SCHEDULER),
    "sla_email_notification_failure": ("FailedSLAEmailAttempts", SCHEDULER),
    "executor.open_slots": ("OpenSlots", EXECUTOR),
    "executor.queued_tasks": ("QueuedTasks", EXECUTOR),
    "executor.running_tasks": ("RunningTasks", EXECUTOR),
    "dagbag_size": ("DagBagSize", DAG_PROCESSING),
    "dag_processing.import_errors": ("ImportErrors", DAG_PROCESSING),
    "dag_processing.total_parse_time": ("TotalParseTime", DAG_PROCESSING),
    "dag_processing.processes": ("Processes", DAG_PROCESSING),
    "dag_processing.manager_stalls": ("ManagerStalls", DAG_PROCESSING),
    "dag_processing.processor_timeouts": ("ProcessorTimeouts", DAG_PROCESSING),
    "dag_file_refresh_error": ("DAGFileRefreshError", DAG_PROCESSING),
    "collect_db_dags": ("CollectDBDags", DAG_PROCESSING),
    "celery.task_timeout_error": ("TaskTimeoutError", CELERY),
    "ti_failures": ("TaskInstanceFailures", None),
    "ti_successes": ("TaskInstanceSuccesses", None),
    "previously_succeeded": ("TaskInstancePreviouslySucceeded", None),
    "zombies_killed": ("ZombiesKilled", None),
}
# Metrics that carry a name in theirs: a pattern → (CloudWatch's name, the dimension each group fills).
PATTERNS: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = tuple(
    (re.compile(pattern), name, dimensions)
    for pattern, name, dimensions in (
        (r"dagrun\.duration\.success\.(.+)", "DAGDurationSuccess", ("DAG",)),
        (r"dagrun\.duration\.failed\.(.+)", "DAGDurationFailed", ("DAG",)),
        (r"dagrun\.schedule_delay\.(.+)", "DAGScheduleDelay", ("DAG",)),
        (r"dagrun\.dependency-check\.(.+)", "DAGDependencyCheck", ("DAG",)),
        (r"dagrun\.(.+)\.first_task_scheduling_delay", "FirstTaskSchedulingDelay", ("DAG",)),
        (r"dag\.([^.]+)\.([^.]+)\.duration", "TaskInstanceDuration", ("DAG", "Task")),
        (r"task_removed_from_dag\.(.+)", "TaskRemovedFromDAG", ("DAG",)),
        (r"task_restored_to_dag\.(.+)", "TaskRestoredToDAG", ("DAG",)),
        (r"pool\.open_slots\.(.+)", "PoolOpenSlots", ("Pool",)),
        (r"pool\.queued_slots\.(.+)", "PoolQueuedSlots", ("Pool",)),
        (r"pool\.running_slots\.(.+)", "PoolRunningSlots", ("Pool",)),
        (r"pool\.starving_tasks\.(.+)", "PoolStarvingTasks", ("Pool",)),
        (r"operator_failures_(.+)", "OperatorFailures", ("Operator",)),
        (r"operator_successes_(.+)", "OperatorSuccesses", ("Operator",)),
        (r"task_instance_created[-_](.+)", "TaskInstanceCreatedUsingOperator", ("Operator",)),
        (r"(\w+Job)_start", "JobStart", ("Job",)),
        (r"(\w+Job)_end", "JobEnd", ("Job",)),
        (r"(\w+Job)_heartbeat_failure", "JobHeartbeatFailure", ("Job",)),
        (r"dag_processing\.last_duration\.(.+)", "DAGFileProcessingLastDuration", ("DAG Filename",)),
        (r"dag_processing\.last_run\.seconds_ago\.(.+)", "DAGFileProcessingLastRunSecondsAgo", ("DAG Filename",)),
    )
)
# Airflow's task-state counters: every task of every DAG counts under DAG=All, Task=All.
TASK_COUNTERS = (
    (re.compile(r"ti\.finish\.[^.]+\.[^.]+\.(\w+)"), "FinishedTaskInstances"),
    (re.compile(r"ti\.start\.[^.]+\.[^.]+"), "StartedTaskInstances"),
)
SECONDS_GAUGES = frozenset({"TotalParseTime", "DAGFileProcessingLastRunSecondsAgo", "DAGFileProcessingLastDuration"})
# A gauge's `+N`/`-N` is a change, not a value: Airflow sends none of the published metrics so.
_LINE = re.compile(r"(?P<name>[^:|]+):(?P<value>-?[0-9][0-9.eE+-]*)\|(?P<type>c|g|ms|h|s)(?:\|@(?P<rate>[0-9.]+))?")


@dataclass(frozen=True)
class Sample:
    """One StatsD line, named as CloudWatch names it."""

    environment: str
    name: str
    dimensions: tuple[tuple[str, str], ...]  # (Name, Value), Environment first
    value: float
    kind: str  # "c" counter, "g" gauge, "ms" timer
    unit: str


@lru_cache(maxsize=4096)  # the same few hundred names arrive every scheduler loop
def cloudwatch_name(metric: str) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """MWAA's name and dimensions (Environment aside) for one Airflow metric, or None when MWAA
    publishes no such metric."""
    if metric in FIXED:
        name, function = FIXED[metric]
        return name, ((("Function", function),) if function else (("DAG", ALL), ("Task", ALL)))
    for pattern, name, dimensions in PATTERNS:
        found = pattern.fullmatch(metric)
        if found:
            return name, tuple(zip(dimensions, found.groups(), strict=True))
    for pattern, name in TASK_COUNTERS:
        found = pattern.fullmatch(metric)
        if found:
            state = (("State", found.group(1)),) if found.groups() else ()
            return name, (("DAG", ALL), ("Task", ALL), *state)
    return None


def unit_of(name: str, kind: str) -> str:
    if kind == "ms":
        return "Milliseconds"
    return "Seconds" if name in SECONDS_GAUGES else "Count"


def parse(line: str) -> Sample | None:
    """A StatsD line (`<environment>.<metric>:<value>|<type>[|@<rate>]`) as a CloudWatch sample;
    None for lines MWAA would not publish or that are not StatsD."""
    found = _LINE.fullmatch(line.strip())
    if found is None:
        return None
    environment, _, metric = found["name"].partition(".")
    named = cloudwatch_name(metric) if metric else None
    if named is None:
        return None
    try:
        value = float(found["value"])
    except ValueError:
        return None
    kind = "ms" if found["type"] in ("ms", "h") else found["type"]
    if kind == "c" and found["rate"]:
        value /= float(found["rate"]) or 1.0  # a sampled counter stands for 1/rate increments
    if kind == "s":
        return None  # Airflow sends no sets
    name, dimensions = named
    return Sample(environment, name, (("Environment", environment), *dimensions), value, kind, unit_of(name, kind))
