"""A DAG that triggers another DAG of its environment with the amazon provider's
MwaaTriggerDagRunOperator: task → boto3 `mwaa` → the control plane's InvokeRestApi → the
environment's edge → Airflow's REST API. Airflow 3 only: the amazon provider MWAA pins for
2.10.3 predates the operator, as on MWAA."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime

import pytest

from tests.support import Environment, wait_for


@pytest.mark.parametrize("environment", ["3.3.1"], indirect=True)
def test_mwaa_trigger_dag_run_operator_triggers_a_dag_of_the_same_environment(environment: Environment) -> None:
    environment.add_dag("it_mwaa_target.py")
    environment.ensure_dag("it_mwaa_trigger")
    environment.wait_listed("it_mwaa_target")
    target_run = f"from_operator_{secrets.token_hex(3)}"
    conf = {"target_run_id": target_run, "logical_date": datetime.now(UTC).isoformat()}
    state = environment.run_dag("it_mwaa_trigger", f"trigger_{target_run}", conf)
    assert state == "success", environment.logs()[-3000:]
    rows = wait_for(
        lambda: environment.sql(
            f"SELECT conf::text, run_type FROM dag_run WHERE dag_id = 'it_mwaa_target' AND run_id = '{target_run}'"
        ),
        60,
        "the run the operator triggered",
    )
    conf, run_type = rows[0]
    assert json.loads(conf) == {"from": "MwaaTriggerDagRunOperator"} and run_type == "manual"
