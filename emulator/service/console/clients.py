"""The console is a client of the region's own APIs: every page asks the MWAA API, CloudWatch
and CloudWatch Logs on this port, signed with the signed-in principal's keys, so a page shows
exactly what that principal's policy lets boto3 see, and refuses what it refuses."""

from __future__ import annotations

import threading
from typing import Any

from botocore.config import Config
from botocore.session import Session, get_session

from emulator.model.account import DEFAULT_REGION
from emulator.service.iam.principals import Principal

# The console's pages wait on no slow operation: a short timeout and no retries keep a page quick.
CLIENT_CONFIG = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30, inject_host_prefix=False)


class RegionClients:
    """botocore clients of this control plane's endpoint, one per principal and service, made
    on first use (a client holds its service's model: made once, not per page)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self._session: Session | None = None
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.Lock()

    def client(self, principal: Principal, service: str) -> Any:
        key = (principal.access_key, principal.secret_key, service)
        with self._lock:
            if key not in self._clients:
                if self._session is None:
                    self._session = get_session()
                self._clients[key] = self._session.create_client(
                    service,
                    region_name=DEFAULT_REGION,
                    endpoint_url=self.endpoint,
                    aws_access_key_id=principal.access_key,
                    aws_secret_access_key=principal.secret_key,
                    config=CLIENT_CONFIG,
                )
            return self._clients[key]
