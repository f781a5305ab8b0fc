"""The edge's token key: random, per environment, the edge's alone (issue 19's first finding)."""

from __future__ import annotations

import stat
from pathlib import Path

from emulator.docker.render import AIRFLOW_SERVICES, render_environment
from emulator.model.record import build_record
from emulator.state import edge_credentials
from emulator.state.edge_credentials import EdgeCredentials
from emulator.state.home import EnvironmentState, generate_environment_secrets
from emulator.state.settings import Naming
from tests.unit.docker.test_render import ROLE, settings


def test_the_token_key_is_random_per_environment_kept_and_private(tmp_path: Path) -> None:
    first, second = EnvironmentState(tmp_path, "first"), EnvironmentState(tmp_path, "second")
    key = edge_credentials.token_key(first)
    assert len(key) == 32
    assert edge_credentials.token_key(first) == key, "kept: tokens issued before stay valid"
    assert edge_credentials.token_key(second) != key
    path = first.directory / "edge" / edge_credentials.TOKEN_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not first.secrets_path.exists(), "derived from none of the secrets Airflow's containers hold"


def test_only_the_edge_container_receives_the_token_key() -> None:
    key = bytes(range(32))
    secrets = generate_environment_secrets()
    edge = EdgeCredentials("certificate", "key", key)
    record = build_record({"Name": "first"})
    services = render_environment(record, settings(), secrets, ROLE, "hash", "/ca.pem", Naming(), edge=edge)
    environments = services.airflow_override["services"]  # type: ignore[index]
    for service in AIRFLOW_SERVICES:
        values = " ".join(str(value) for value in environments[service]["environment"].values())  # type: ignore[index]
        assert (key.hex() in values) == (service == "edge"), service
    assert key.hex() not in {secrets.webserver_secret, secrets.jwt_secret, secrets.fernet_key}
