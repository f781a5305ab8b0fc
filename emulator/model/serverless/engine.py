"""The serverless engine's fixed settings (docs/reference.md §24): MWAA Serverless runs workflows
on Airflow 3, the newest MWAA version. Here the engine is one internal environment of the region,
a single hybrid container (scheduler, DAG processor, triggerer and worker, mw1.micro's shape)
beside its web server, started for the first run and stopped when no run needs it. Its name is
reserved: it is never listed as an environment.
"""

from __future__ import annotations

from emulator.model.account import ACCOUNT_ID

ENGINE_NAME = "mwaa-serverless-engine"
ENGINE_CLASS = "mw1.micro"
ENGINE_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/mwaa-serverless-engine"
# dag-factory builds each workflow's DAG from its YAML, as MWAA Serverless does.
ENGINE_REQUIREMENTS = "dag-factory==1.1.0\n"
REQUIREMENTS_KEY = "requirements.txt"
DAGS_PREFIX = "dags"
# The session a workflow's tasks act as their RoleArn under, and the engine's Airflow connection
# (one per role) that gives them its keys.
WORKFLOW_SESSION_NAME = "AmazonMWAA-serverless"
CONNECTION_PREFIX = "mwaa_serverless_role_"


def connection_id(role_name: str) -> str:
    return CONNECTION_PREFIX + "".join(c if c.isalnum() else "_" for c in role_name)
