"""MWAA's web login (docs/reference.md §9): the browser opens
`https://{host}/aws_mwaa/aws-console-sso?login=true#{WebToken}`; the token rides in the URL
fragment, which browsers never send, so that page posts it to the login endpoint
(`/aws_mwaa/login` on Airflow 2, `/pluginsv2/aws_mwaa/login` on Airflow 3), which scripts can
also call with `token=<WebToken>`. A token works once, for 60 s."""

from __future__ import annotations

import html
import urllib.parse
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from emulator.container.edge.accounts import AccountError, Accounts
from emulator.model import tokens
from emulator.model.request_size import LOGIN_REQUEST_BYTES, RequestTooLarge, read_body


def login_path(airflow_family: int) -> str:
    return "/aws_mwaa/login" if airflow_family == 2 else "/pluginsv2/aws_mwaa/login"


def sso_page(airflow_family: int) -> str:
    """Posts the fragment's token as a form, as MWAA's page does; says so when there is none."""
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Signing in to Airflow</title></head>
<body>
<form id="login" method="post" action="{login_path(airflow_family)}"><input type="hidden" name="token"></form>
<p id="status">Signing in to Airflow…</p>
<script>
  const token = decodeURIComponent(window.location.hash.slice(1));
  if (token) {{
    document.querySelector("#login input").value = token;
    document.getElementById("login").submit();
  }} else {{
    document.getElementById("status").textContent =
      "No web login token in this link: open the URL CreateWebLoginToken's WebToken makes (…#<WebToken>).";
  }}
</script>
</body></html>
"""


def failure_page(status: int, message: str) -> HTMLResponse:
    body = f"<!doctype html><html><body><h1>Airflow sign-in failed</h1><p>{html.escape(message)}</p></body></html>"
    return HTMLResponse(body, status)


def handlers(
    environment: str,
    key: bytes,
    airflow_family: int,
    accounts: Accounts,
    clock: Callable[[], float],
) -> tuple[Callable[[Request], object], Callable[[Request], object]]:
    spent = tokens.OnceOnly()
    page = sso_page(airflow_family)

    async def sso(request: Request) -> Response:
        return HTMLResponse(page)

    async def login(request: Request) -> Response:
        # A form post (the page's, or a script's `token=…`); parsed here, needing no form library.
        try:
            body = await read_body(request, LOGIN_REQUEST_BYTES)
        except RequestTooLarge as error:
            return failure_page(413, str(error))
        form = urllib.parse.parse_qs(body.decode(errors="replace"))
        token = (form.get("token") or [""])[0].strip()
        if not token:
            return failure_page(401, "Missing web login token: post token=<WebToken> from CreateWebLoginToken.")
        try:
            claims = tokens.verify(key, token, "web", environment, clock())
            spent.spend(claims, clock())
        except tokens.TokenRefused as error:
            return failure_page(403, f"Invalid web login token: {error}")
        try:
            done = await accounts.browser_login(claims.identity, claims.role, request.url.scheme == "https")
        except AccountError as error:
            return failure_page(502, str(error))
        answer = RedirectResponse(done.location, 302)
        for cookie in done.cookies:
            answer.raw_headers.append((b"set-cookie", cookie.encode("latin-1")))
        return answer

    return sso, login
