"""A DAG file that cannot be imported: Airflow must list it as an import error."""

from airflow import DAG

with DAG("it_broken", schedule=None) as dag:
    def broken(:
        pass
