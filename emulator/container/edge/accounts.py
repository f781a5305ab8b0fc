"""The Airflow users the edge acts as: one per caller, named by its IamIdentity and given the
Airflow role its policy allows, created at first use and re-synced at each use, as MWAA does
(docs/reference.md §9). The edge alone knows their passwords: random, made here, never shown.

- A browser login is Airflow's own form login, done for the user: the session (and on Airflow 3
  the `_token` JWT) Airflow sets comes back to the browser, so the UI, its Security pages and
  the REST API all work as after a password login.
- A REST call (InvokeRestApi) authenticates as that user: HTTP basic on Airflow 2's `/api/v1`, a
  JWT from the FAB provider's `/auth/token` on Airflow 3's `/api/v2`.
"""

from __future__ import annotations

import base64
import re
import secrets
import time
from dataclasses import dataclass

import httpx

from emulator.container.edge.runner_client import RunnerClient

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
JWT_REUSE_SECONDS = 3600.0  # Airflow's JWTs last a day; a fresh one each hour is plenty


class AccountError(RuntimeError):
    """The user could not be made or logged in (the message says what Airflow answered)."""


@dataclass
class Account:
    role: str
    password: str
    jwt: str = ""
    jwt_until: float = 0.0


@dataclass(frozen=True)
class Login:
    location: str
    cookies: list[str]  # Set-Cookie values, as Airflow sent them


class Accounts:
    def __init__(
        self,
        runner: RunnerClient,
        upstream: str,
        airflow_family: int,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.runner = runner
        self.upstream = upstream
        self.transport = transport
        self.family = airflow_family
        self.known: dict[str, Account] = {}

    @property
    def login_path(self) -> str:
        return "/login/" if self.family == 2 else "/auth/login/"

    @property
    def api_root(self) -> str:
        return "/api/v1" if self.family == 2 else "/api/v2"

    async def sync(self, username: str, role: str) -> Account:
        """The user with this role and a new password (MWAA re-syncs the role at every login)."""
        password = secrets.token_urlsafe(24)
        outcome = await self.runner.run({"op": "user", "username": username, "role": role, "password": password})
        if outcome.exit != 0:
            said = outcome.stderr.decode(errors="replace").strip().splitlines()
            raise AccountError(f"Could not set up the Airflow user {username}: {said[-1] if said else outcome.exit}")
        account = self.known[username] = Account(role, password)
        return account

    async def account(self, username: str, role: str) -> Account:
        known = self.known.get(username)
        return known if known is not None and known.role == role else await self.sync(username, role)

    async def browser_login(self, username: str, role: str, secure: bool) -> Login:
        account = await self.sync(username, role)
        # A client of its own: its cookie jar carries the login form's session to the login post.
        async with httpx.AsyncClient(base_url=self.upstream, transport=self.transport, timeout=30.0) as web:
            form = await web.get(self.login_path)
            found = CSRF_FIELD.search(form.text)
            if form.status_code != 200 or found is None:
                raise AccountError(f"Airflow's login page answered {form.status_code} without a login form.")
            scheme = "https" if secure else "http"
            answer = await web.post(
                self.login_path,
                data={"username": username, "password": account.password, "csrf_token": found.group(1)},
                headers={"Referer": f"{scheme}://{form.request.url.netloc.decode()}{self.login_path}"},
            )
        if answer.status_code != 302 or "login" in answer.headers.get("location", "").split("?")[0]:
            raise AccountError(f"Airflow refused the login of {username} (HTTP {answer.status_code}).")
        return Login("/home" if self.family == 2 else "/", answer.headers.get_list("set-cookie"))

    async def rest_headers(self, username: str, role: str, web: httpx.AsyncClient) -> dict[str, str]:
        account = await self.account(username, role)
        if self.family == 2:
            pair = base64.b64encode(f"{username}:{account.password}".encode()).decode()
            return {"Authorization": f"Basic {pair}"}
        if account.jwt_until <= time.monotonic():
            answer = await web.post("/auth/token", json={"username": username, "password": account.password})
            if answer.status_code != 201:
                raise AccountError(f"Airflow refused a token for {username} (HTTP {answer.status_code}).")
            account.jwt, account.jwt_until = answer.json()["access_token"], time.monotonic() + JWT_REUSE_SECONDS
        return {"Authorization": f"Bearer {account.jwt}"}

    def forget(self, username: str) -> None:
        """After Airflow refused the user's credentials (changed elsewhere): sync again next time."""
        self.known.pop(username, None)
