"""A task that defers to the triggerer and resumes on a worker: it finishes only if a triggerer
fires its trigger (with none running it stays deferred)."""

import pendulum
from airflow import DAG

try:
    from airflow.providers.standard.sensors.date_time import DateTimeSensorAsync
except ImportError:
    from airflow.sensors.date_time import DateTimeSensorAsync

SOON = "{{ (macros.datetime.utcnow() + macros.timedelta(seconds=3)).isoformat() }}"

with DAG("it_deferred", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False):
    DateTimeSensorAsync(task_id="wait_on_the_triggerer", target_time=SOON)
