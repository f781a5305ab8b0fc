"""One environment's DAGs and runs through Airflow's REST API as InvokeRestApi carries it
(Airflow 2's /api/v1, 3's /api/v2): the calls `mwaa-local test` and the serverless engine's runs
both make."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote

from emulator.model.errors import MwaaLocalError


def parsed_time(text: str | None) -> float | None:
    """An Airflow API timestamp (ISO 8601) as epoch seconds."""
    return datetime.fromisoformat(text).timestamp() if text else None


class Rest(Protocol):
    def rest(self, name: str, method: str, path: str, **members: Any) -> tuple[int, Any]: ...


class AirflowRest:
    error: type[MwaaLocalError] = MwaaLocalError

    def __init__(self, client: Rest, environment: str, airflow_family: int) -> None:
        self.client = client
        self.environment = environment
        self.family = airflow_family

    def hint(self) -> str:
        return f"`mwaa-local logs --name {self.environment}` shows the environment's side."

    def call(self, method: str, path: str, ok: tuple[int, ...] = (200,), **members: Any) -> tuple[int, Any]:
        status, answer = self.client.rest(self.environment, method, path, **members)
        if status not in ok:
            detail = answer.get("detail") if isinstance(answer, dict) else answer
            raise self.error(
                f"Airflow's REST API answered HTTP {status} to {method} {path}: {detail}", hint=self.hint()
            )
        return status, answer

    def dag(self, dag_id: str) -> dict[str, Any] | None:
        status, answer = self.call("GET", f"/dags/{quote(dag_id)}", ok=(200, 404))
        return answer if status == 200 else None

    def trigger(self, dag_id: str, run_id: str, conf: dict[str, Any]) -> None:
        """Unpause the DAG (new DAGs start paused, as on MWAA) and start a run."""
        self.call("PATCH", f"/dags/{quote(dag_id)}", Body={"is_paused": False})
        body: dict[str, Any] = {"dag_run_id": run_id, "conf": conf}
        if self.family >= 3:
            body["logical_date"] = None  # required by Airflow 3's API; None: a run not tied to a date
        self.call("POST", f"/dags/{quote(dag_id)}/dagRuns", Body=body)

    def run_path(self, dag_id: str, run_id: str) -> str:
        return f"/dags/{quote(dag_id)}/dagRuns/{quote(run_id)}"

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        _, answer = self.call("GET", f"{self.run_path(dag_id, run_id)}/taskInstances")
        return list(answer.get("task_instances", []))
