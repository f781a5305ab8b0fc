"""One task that runs for a while: its worker is drained under it."""

from __future__ import annotations

from datetime import datetime

from airflow import DAG

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:  # Airflow 2
    from airflow.operators.bash import BashOperator

with DAG("it_long_task", start_date=datetime(2024, 1, 1), schedule=None, catchup=False):
    BashOperator(task_id="long", bash_command="sleep 30; echo finished", retries=0)
