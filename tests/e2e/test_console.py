"""The local console in a real headless Chromium: signed in with the exported keys, it lists the
running environment, plots its metrics, and its "Open Airflow UI" button lands in the Airflow UI
logged in (CreateWebLoginToken, then MWAA's console sign-in URL)."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from playwright.sync_api import Page, sync_playwright

from tests.e2e.isolated_browser import isolated_chromium
from tests.e2e.test_web_login_and_rest_api import ARTIFACTS, CHROMIUM
from tests.support import Environment


def heartbeat_points(page: Page) -> int:
    return int(page.locator('div.plot[data-metric="Scheduler heartbeat"]').get_attribute("data-points") or 0)


def test_the_console_lists_plots_and_opens_the_airflow_ui(environment: Environment, exports: dict[str, str]) -> None:
    assert CHROMIUM.exists(), "Debian's chromium is needed for the browser test (.ci/run installs it)"
    ARTIFACTS.mkdir(exist_ok=True)
    api_port = urlsplit(exports["AWS_ENDPOINT_URL_MWAA"]).port
    assert api_port and environment.https_port
    console = f"http://localhost:{api_port}/console/"
    with sync_playwright() as driver, isolated_chromium(CHROMIUM, api_port, environment.https_port) as chromium:
        browser = driver.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        try:
            # The web server's certificate is the machine CA's, which this browser is told to accept.
            page = browser.new_context(ignore_https_errors=True).new_page()
            page.goto(console, timeout=30_000)
            assert urlsplit(page.url).path == "/console/sign-in", "never open: the sign-in form first"
            page.get_by_label("Access key ID").fill(exports["AWS_ACCESS_KEY_ID"])
            page.get_by_label("Secret access key").fill(exports["AWS_SECRET_ACCESS_KEY"])
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(console, timeout=30_000)
            row = page.locator("#environments tr", has=page.get_by_role("link", name=environment.name, exact=True))
            assert row.locator("td").nth(1).inner_text() == "AVAILABLE"
            assert row.locator("td").nth(2).inner_text() == environment.version

            row.get_by_role("link", name=environment.name, exact=True).click()
            page.wait_for_url(f"{console}environments/{environment.name}", timeout=30_000)
            # The scheduler beats all the time; its metric is published every 30 s.
            deadline = time.monotonic() + 90
            while heartbeat_points(page) == 0 and time.monotonic() < deadline:
                page.wait_for_timeout(5_000)
                page.reload()
            assert heartbeat_points(page) > 0, "the scheduler heartbeat plot has points"
            assert page.locator('div.plot[data-metric="Scheduler heartbeat"] circle.point').count() > 0
            page.screenshot(path=str(ARTIFACTS / f"console-{environment.version}.png"), full_page=True)

            page.get_by_role("button", name="Open Airflow UI").click()
            page.wait_for_url(f"https://localhost:{environment.https_port}/**", timeout=60_000)
            page.wait_for_load_state("networkidle", timeout=60_000)
            # The Security menu is the Admin role's: logged in as the console's principal.
            page.get_by_text("Security", exact=True).first.wait_for(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / f"console-airflow-ui-{environment.version}.png"), full_page=True)
            landed = urlsplit(page.url)
        finally:
            browser.close()
    home = "/home" if environment.family == 2 else "/"
    assert (landed.netloc, landed.path) == (f"localhost:{environment.https_port}", home), "the UI, not a login form"
