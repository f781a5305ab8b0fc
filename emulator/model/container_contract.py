"""The names the host and the image agree on: variables mwaa-local's render sets for the
entrypoint, the log streams MWAA names, the edge's REST path. Both sides import them from here,
so neither imports the other."""

from __future__ import annotations

# Lists the Airflow processes of a container that runs several (MWAA's scheduler task, mw1.micro's
# `hybrid`); emulator/container/runtime/group.py starts them.
COMPONENTS_VARIABLE = "MWAA_LOCAL_COMPONENTS"
# How many web servers the web container runs (MinWebservers).
WEB_SERVERS_VARIABLE = "MWAA_LOCAL_WEBSERVERS"
# MWAA's log stream prefixes for pip's output and the startup script's (docs/reference.md §16).
REQUIREMENTS_STREAM = "requirements_install"
STARTUP_SCRIPT_STREAM = "startup_script_execution"
# The DAG processor's log lines on a container's output: `dag_processing[<stream>] <LEVEL>: <line>`
# (emulator/container/runtime/dag_processing_logs.py, which holds a copy: stdlib only there).
DAG_PROCESSING_MARKER = "dag_processing"
# MWAA's console sign-in page on the WebserverUrl: `{SSO_PATH}?login=true#{WebToken}` (§9).
SSO_PATH = "/aws_mwaa/aws-console-sso"
# Where the edge serves InvokeRestApi's calls for the control plane.
EDGE_REST_PATH = "/mwaa-local/restapi"

# Airflow's own interpreter in the image (the runtime's venv has no Airflow), and the folder
# holding the container side's code, for a tool that runs on Airflow's interpreter.
AIRFLOW_PYTHON = "/usr/local/bin/python3"
CONTAINER_SOURCE = "/opt/mwaa-local/src"
