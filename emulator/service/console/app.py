"""The local console on the control plane's port (/console): the environments and their status,
one environment's configuration, last update, metric plots and log groups, and an "Open Airflow
UI" button that signs the browser in through CreateWebLoginToken. Never open: every page wants a
principal signed in with its access keys, and shows only what that principal's policy allows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from botocore.exceptions import BotoCoreError, ClientError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from emulator.model.container_contract import SSO_PATH
from emulator.model.log_groups import LOG_GROUP_SUFFIX, log_group_name
from emulator.service.console import charts
from emulator.service.console.clients import RegionClients
from emulator.service.console.dashboard import environment_plots, recent_lines
from emulator.service.console.session import COOKIE, SESSION_HOURS, Sessions, SignInError
from emulator.service.iam.principals import Principal

PREFIX = "/console"
SIGN_IN = f"{PREFIX}/sign-in"
templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
templates.env.globals.update(WIDTH=charts.WIDTH, HEIGHT=charts.HEIGHT, MARGIN=charts.MARGIN)
Page = Callable[[Request, Principal, RegionClients], Response]


def sso_url(answer: dict[str, Any]) -> str:
    """Where MWAA's console sends the browser with a web login token (docs/reference.md §9)."""
    return f"https://{answer['WebServerHostname']}{SSO_PATH}?login=true#{answer['WebToken']}"


def refusal(request: Request, principal: Principal, error: ClientError | BotoCoreError) -> Response:
    """A refused or failed call, as the page's answer: AWS's code and message, its HTTP status."""
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "Error")
        message = error.response.get("Error", {}).get("Message", str(error))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500))
    else:
        code, message, status = type(error).__name__, str(error), 502
    context = {"principal": principal, "code": code, "message": message}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def environments_page(request: Request, principal: Principal, clients: RegionClients) -> Response:
    mwaa = clients.client(principal, "mwaa")
    names = [name for page in mwaa.get_paginator("list_environments").paginate() for name in page["Environments"]]
    rows: list[dict[str, Any]] = []
    for name in sorted(names):
        try:
            rows.append(mwaa.get_environment(Name=name)["Environment"])
        except ClientError as error:
            rows.append({"Name": name, "Refused": error.response["Error"]["Message"]})
    return templates.TemplateResponse(request, "environments.html", {"principal": principal, "environments": rows})


def environment_page(request: Request, principal: Principal, clients: RegionClients) -> Response:
    name = request.path_params["name"]
    environment = clients.client(principal, "mwaa").get_environment(Name=name)["Environment"]
    plots, plots_refused = [], None
    try:
        plots = environment_plots(clients.client(principal, "cloudwatch"), name)
    except ClientError as error:  # the record is allowed, the metrics need cloudwatch:GetMetricData
        plots_refused = error.response["Error"]["Message"]
    logging = environment.get("LoggingConfiguration", {})
    groups = [
        {"type": log_type, "name": log_group_name(name, log_type), **logging.get(log_type, {})}
        for log_type in LOG_GROUP_SUFFIX
    ]
    context = {
        "principal": principal,
        "environment": environment,
        "plots": plots,
        "plots_refused": plots_refused,
        "groups": groups,
    }
    return templates.TemplateResponse(request, "environment.html", context)


def log_group_page(request: Request, principal: Principal, clients: RegionClients) -> Response:
    name, log_type = request.path_params["name"], request.path_params["log_type"]
    if log_type not in LOG_GROUP_SUFFIX:
        context = {"principal": principal, "code": "ResourceNotFoundException", "message": f"No log type {log_type}."}
        return templates.TemplateResponse(request, "error.html", context, status_code=404)
    group = log_group_name(name, log_type)
    lines = recent_lines(clients.client(principal, "logs"), group)
    context = {"principal": principal, "environment": name, "group": group, "lines": lines}
    return templates.TemplateResponse(request, "log_group.html", context)


def open_airflow_ui(request: Request, principal: Principal, clients: RegionClients) -> Response:
    answer = clients.client(principal, "mwaa").create_web_login_token(Name=request.path_params["name"])
    return RedirectResponse(sso_url(answer), status_code=303)


class Console:
    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions
        self._clients: RegionClients | None = None

    def clients(self, request: Request) -> RegionClients:
        # The console calls the port it is served on (inside the container or a test's thread).
        if self._clients is None:
            self._clients = RegionClients(f"http://127.0.0.1:{request.scope['server'][1]}")
        return self._clients

    def signed_in(self, page: Page) -> Callable[[Request], Response]:
        """`page` for a signed-in principal (its calls' refusals shown as AWS words them); the
        sign-in form for anyone else."""

        def endpoint(request: Request) -> Response:
            principal = self.sessions.principal(request.cookies.get(COOKIE))
            if principal is None:
                return RedirectResponse(f"{SIGN_IN}?next={quote(request.url.path)}", status_code=303)
            try:
                return page(request, principal, self.clients(request))
            except (ClientError, BotoCoreError) as error:
                return refusal(request, principal, error)

        return endpoint

    def sign_in_form(self, request: Request) -> Response:
        destination = safe_next(request.query_params.get("next"))
        return templates.TemplateResponse(request, "sign_in.html", {"next": destination})

    async def sign_in(self, request: Request) -> Response:
        form = {key: values[0] for key, values in parse_qs((await request.body()).decode(errors="replace")).items()}
        destination = safe_next(form.get("next"))
        try:
            cookie = self.sessions.sign_in(form.get("access_key", ""), form.get("secret_key", ""))
        except SignInError as error:
            context = {"next": destination, "error": str(error), "access_key": form.get("access_key", "")}
            return templates.TemplateResponse(request, "sign_in.html", context, status_code=401)
        response = RedirectResponse(destination, status_code=303)
        response.set_cookie(COOKIE, cookie, max_age=SESSION_HOURS * 3600, path=PREFIX, httponly=True, samesite="strict")
        return response

    def sign_out(self, request: Request) -> Response:
        response = RedirectResponse(SIGN_IN, status_code=303)
        response.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="strict")
        return response

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(PREFIX, self.signed_in(environments_page)),
                Route(f"{PREFIX}/", self.signed_in(environments_page)),
                Route(SIGN_IN, self.sign_in_form, methods=["GET"]),
                Route(SIGN_IN, self.sign_in, methods=["POST"]),
                Route(f"{PREFIX}/sign-out", self.sign_out, methods=["POST"]),
                Route(f"{PREFIX}/environments/{{name}}", self.signed_in(environment_page)),
                Route(f"{PREFIX}/environments/{{name}}/logs/{{log_type}}", self.signed_in(log_group_page)),
                Route(f"{PREFIX}/environments/{{name}}/airflow-ui", self.signed_in(open_airflow_ui), methods=["POST"]),
            ]
        )


def safe_next(destination: str | None) -> str:
    """Where to go after signing in: a console page only (never another site)."""
    if destination and destination.startswith(f"{PREFIX}/") and not destination.startswith("//"):
        return destination
    return f"{PREFIX}/"
