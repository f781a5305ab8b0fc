"""A workflow's definition as MWAA Serverless reads it (docs/reference.md §24): YAML in
dag-factory's format holding one DAG, whose tasks use the Amazon provider's operators (and the
empty operator) only and no dynamic task mapping. Each problem is reported with its line, as the
ValidationException that CreateWorkflow and UpdateWorkflow answer with.

    my_workflow:                      # the DAG's id
      schedule: "0 6 * * *"           # optional: cron, or none for on-demand only
      tasks:                          # a list (dag-factory ≥ 0.23) or a mapping by task id
        - task_id: list_inputs
          operator: airflow.providers.amazon.aws.operators.s3.S3ListOperator
          bucket: my-bucket
          dependencies: [earlier_task]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# What dag-factory shares between the DAGs of a file; not a DAG itself.
SHARED_KEYS = frozenset({"default"})
# What MWAA Serverless runs (docs/reference.md §24): the Amazon provider's operators, sensors and
# transfers, the empty operator and the SQL table check.
ALLOWED_PREFIXES = (
    "airflow.providers.amazon.aws.operators.",
    "airflow.providers.amazon.aws.sensors.",
    "airflow.providers.amazon.aws.transfers.",
)
ALLOWED_OPERATORS = frozenset(
    {
        "airflow.operators.empty.EmptyOperator",
        "airflow.providers.standard.operators.empty.EmptyOperator",
        "airflow.providers.common.sql.operators.sql.SQLTableCheckOperator",
    }
)
MAPPING_KEYS = frozenset({"expand", "partial", "expand_kwargs"})  # dag-factory's dynamic task mapping
PYTHON_KEYS = frozenset({"decorator", "python_callable", "python_callable_name", "python_callable_file"})
SCHEDULE_KEYS = ("schedule", "schedule_interval")
ON_DEMAND = frozenset({"none", "null", "@once"})
MAX_DEFINITION_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class Task:
    task_id: str
    operator: str
    dependencies: tuple[str, ...] = ()
    dependency_lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class WorkflowDefinition:
    dag_id: str
    schedule: str | None  # a cron expression, or None: on demand only
    tasks: tuple[Task, ...]
    timeout_seconds: float | None = None  # the DAG's dagrun_timeout: a longer run ends TIMEOUT


@dataclass
class DefinitionError(Exception):
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(str(problem) for problem in self.problems)


def line_of(node: Node) -> int:
    return int(node.start_mark.line) + 1


def entries(node: MappingNode) -> dict[str, tuple[Node, Node]]:
    """A mapping's entries by key, with the key's node (for its line) and the value's."""
    return {str(key.value): (key, value) for key, value in node.value if isinstance(key, ScalarNode)}


def parse_definition(text: bytes) -> WorkflowDefinition:
    """The workflow a definition describes; DefinitionError with every problem found."""
    if len(text) > MAX_DEFINITION_BYTES:
        raise DefinitionError([Problem(1, f"the definition is larger than {MAX_DEFINITION_BYTES} bytes")])
    try:
        root = yaml.compose(text.decode("utf-8"), Loader=yaml.SafeLoader)
    except UnicodeDecodeError:
        raise DefinitionError([Problem(1, "the definition is not UTF-8 text")]) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise DefinitionError([Problem(line, f"not valid YAML: {error.problem or error.context}")]) from None
    if not isinstance(root, MappingNode):
        line = line_of(root) if root is not None else 1
        raise DefinitionError([Problem(line, "the definition must be a mapping of a DAG id to its DAG")])
    dags = {name: found for name, found in entries(root).items() if name not in SHARED_KEYS}
    if len(dags) != 1:
        found_ids = ", ".join(sorted(dags)) or "none"
        reason = f"a workflow definition holds exactly one DAG; found {len(dags)} ({found_ids})"
        raise DefinitionError([Problem(line_of(root), reason)])
    ((dag_id, (dag_key, dag)),) = dags.items()
    problems: list[Problem] = []
    if not isinstance(dag, MappingNode):
        raise DefinitionError([Problem(line_of(dag_key), f"DAG {dag_id!r} must be a mapping")])
    dag_entries = entries(dag)
    schedule = schedule_of(dag_entries, problems)
    timeout = timeout_of(dag_entries, problems)
    tasks = tasks_of(dag_id, dag_key, dag_entries, problems)
    if problems:
        raise DefinitionError(sorted(problems, key=lambda problem: problem.line))
    return WorkflowDefinition(dag_id, schedule, tasks, timeout)


def schedule_of(dag: dict[str, tuple[Node, Node]], problems: list[Problem]) -> str | None:
    for key in SCHEDULE_KEYS:
        if key not in dag:
            continue
        node = dag[key][1]
        if not isinstance(node, ScalarNode):
            problems.append(Problem(line_of(node), f"{key} must be a cron expression"))
            return None
        value = str(node.value).strip()
        if not value or value.lower() in ON_DEMAND:
            return None
        fields = value.split()
        if not (value.startswith("@") or len(fields) in (5, 6)):
            problems.append(Problem(line_of(node), f"{key} {value!r} is not a cron expression"))
            return None
        return value
    return None


TIMEDELTA_UNITS = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


def timeout_of(dag: dict[str, tuple[Node, Node]], problems: list[Problem]) -> float | None:
    """`dagrun_timeout` in seconds: a number, or dag-factory's `__type__: datetime.timedelta`."""
    if "dagrun_timeout" not in dag:
        return None
    node = dag["dagrun_timeout"][1]
    value = yaml.safe_load(yaml.serialize(node))
    if isinstance(value, dict) and value.get("__type__") == "datetime.timedelta":
        value = sum(float(value.get(unit, 0)) * seconds for unit, seconds in TIMEDELTA_UNITS.items())
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        problems.append(Problem(line_of(node), "dagrun_timeout must be a number of seconds or a datetime.timedelta"))
        return None
    return float(value)


def tasks_of(
    dag_id: str, dag_key: Node, dag: dict[str, tuple[Node, Node]], problems: list[Problem]
) -> tuple[Task, ...]:
    if "tasks" not in dag:
        problems.append(Problem(line_of(dag_key), f"DAG {dag_id!r} has no tasks"))
        return ()
    node = dag["tasks"][1]
    listed: list[tuple[str | None, Node]] = []
    if isinstance(node, SequenceNode):
        listed = [(None, item) for item in node.value]
    elif isinstance(node, MappingNode):
        listed = [(name, item) for name, (_, item) in entries(node).items()]
    else:
        problems.append(Problem(line_of(node), "tasks must be a list or a mapping of task ids"))
        return ()
    if not listed:
        problems.append(Problem(line_of(node), f"DAG {dag_id!r} has no tasks"))
    tasks = [task for name, item in listed if (task := task_of(name, item, problems)) is not None]
    known = {task.task_id for task in tasks}
    for task in tasks:
        for dependency, line in zip(task.dependencies, task.dependency_lines, strict=True):
            if dependency not in known:
                problems.append(
                    Problem(line, f"task {task.task_id!r}: dependency {dependency!r} is not a task of the DAG")
                )
    return tuple(tasks)


def task_of(name: str | None, node: Node, problems: list[Problem]) -> Task | None:
    if not isinstance(node, MappingNode):
        problems.append(Problem(line_of(node), "a task must be a mapping"))
        return None
    fields = entries(node)
    task_id = name or (str(fields["task_id"][1].value) if "task_id" in fields else None)
    if not task_id:
        problems.append(Problem(line_of(node), "a task needs a task_id"))
        return None
    for key in sorted(set(fields) & MAPPING_KEYS):
        problems.append(
            Problem(
                line_of(fields[key][0]),
                f"task {task_id!r}: dynamic task mapping ({key}) is not supported by MWAA Serverless",
            )
        )
    for key in sorted(set(fields) & PYTHON_KEYS):
        problems.append(
            Problem(
                line_of(fields[key][0]),
                f"task {task_id!r}: Python code ({key}) is not allowed in MWAA Serverless; "
                "use an operator of the Amazon provider",
            )
        )
    if "operator" not in fields:
        if not set(fields) & PYTHON_KEYS:
            problems.append(Problem(line_of(node), f"task {task_id!r} names no operator"))
        return None
    operator_node = fields["operator"][1]
    operator = str(operator_node.value) if isinstance(operator_node, ScalarNode) else ""
    if not (operator.startswith(ALLOWED_PREFIXES) or operator in ALLOWED_OPERATORS):
        problems.append(
            Problem(
                line_of(operator_node),
                f"task {task_id!r}: operator {operator!r} is not allowed in MWAA Serverless; "
                "use an operator, sensor or transfer of the Amazon provider (airflow.providers.amazon.aws.*) "
                "or EmptyOperator",
            )
        )
    dependencies = fields["dependencies"][1] if "dependencies" in fields else None
    listed = (
        [item for item in dependencies.value if isinstance(item, ScalarNode)]
        if isinstance(dependencies, SequenceNode)
        else []
    )
    return Task(task_id, operator, tuple(str(item.value) for item in listed), tuple(line_of(item) for item in listed))
