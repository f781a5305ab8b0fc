"""Fifteen sleeping tasks at once: three times mw1.small's five tasks per worker, a backlog the
autoscaler adds workers for. The last three run longer, so they likely land on added workers
and the scale-in drains workers that still run a task. On one worker they would take 2 minutes
(twelve of 30 s and three of 80 s in five slots): time for the added workers to start and take
some, even on a loaded machine; on three they all run at once."""

from __future__ import annotations

from datetime import datetime

from airflow import DAG

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:  # Airflow 2
    from airflow.operators.bash import BashOperator

TASKS = 15
LONG_TASKS = 3
SHORT_SECONDS = 30
LONG_SECONDS = 80

with DAG("it_fan_out", start_date=datetime(2024, 1, 1), schedule=None, catchup=False, max_active_tasks=TASKS):
    for number in range(TASKS):
        seconds = LONG_SECONDS if number >= TASKS - LONG_TASKS else SHORT_SECONDS
        BashOperator(task_id=f"sleep_{number:02d}", bash_command=f"sleep {seconds}", retries=0)
