"""The edge on each environment's WebserverUrl: MWAA's `/aws_mwaa/…` endpoints (the CLI token
shim, web login) in front of the Airflow UI and REST API (docs/reference.md §8, §9)."""
