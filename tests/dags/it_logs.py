"""A task that logs one line at INFO and one at DEBUG, each carrying the run's marker, so a test
finds them (or not) in the environment's Task log group."""

from __future__ import annotations

import logging

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, get_current_context, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task
    from airflow.operators.python import get_current_context


@dag(dag_id="it_logs", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def it_logs():
    @task(retries=0)
    def speak() -> str:
        marker = get_current_context()["dag_run"].conf["marker"]
        logger = logging.getLogger("airflow.task")
        logger.info("info line %s", marker)
        logger.debug("debug line %s", marker)
        return marker

    speak()


it_logs()
