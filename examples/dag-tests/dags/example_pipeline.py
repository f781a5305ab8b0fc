"""A two-task pipeline: `extract` reads the run's conf, `report` formats what it returned."""

from __future__ import annotations

from datetime import datetime
from typing import Any

try:
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task


@dag(dag_id="example_pipeline", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["example"])
def example_pipeline() -> None:
    @task
    def extract(**context: Any) -> dict[str, Any]:
        name = (context["dag_run"].conf or {}).get("name", "world")
        print(f"extracting for {name}")
        return {"name": name, "rows": 3}

    @task
    def report(data: dict[str, Any]) -> str:
        line = f"Hello, {data['name']}: {data['rows']} rows"
        print(line)
        return line

    report(extract())


example_pipeline()
