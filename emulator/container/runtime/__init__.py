"""The container side of mwaa-local: what runs inside the image (entrypoint, init, health).

Runs on mwaa-local's own virtual environment with the standard library plus
`requirements.txt`; Airflow itself runs as a separate process on the image's Python.
"""
