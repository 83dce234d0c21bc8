"""The interactive docs at the gateway, used as a person would, in headless Chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from api_client import ApiClient
from run_local import LocalSystem

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Chromium's own background traffic is refused by this machine's closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.browser
def test_authorize_then_list_notes(system: LocalSystem, api: ApiClient) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    user = api.register()
    headers = {
        "Authorization": f"Bearer {api.login(user['email'], user['password'])['access_token']}"
    }
    api.create_note(headers, "from the e2e", "seen in the docs")
    base = system.url("gateway")
    ARTIFACTS.mkdir(exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 2000})
            page.goto(f"{base}/docs")
            page.get_by_role("button", name="Authorize").first.click()
            dialog = page.locator(".modal-ux")
            # The authorization code flow with PKCE: auth-service's sign-in page
            # in a pop-up (a first-party client: no consent), no password here.
            assert dialog.locator("input#oauth_password").count() == 0
            with page.expect_popup() as opened:
                dialog.locator("button.authorize").click()
            popup = opened.value
            popup.get_by_label("Email").fill(user["email"])
            popup.get_by_label("Password").fill(user["password"])
            popup.get_by_role("button", name="Sign in").click()
            dialog.locator("button", has_text="Logout").wait_for()
            dialog.locator("button.btn-done").click()

            operation = page.locator(".opblock-get", has=page.locator("[data-path='/notes']")).first
            operation.locator(".opblock-summary").click()
            operation.get_by_role("button", name="Try it out").click()
            operation.get_by_role("button", name="Execute").click()
            status = operation.locator(".live-responses-table tbody .response-col_status").first
            status.wait_for()
            page.screenshot(path=str(ARTIFACTS / "docs-list-notes.png"), full_page=True)
            assert status.inner_text().strip() == "200"
            assert "from the e2e" in operation.locator(".live-responses-table").inner_text()
        finally:
            browser.close()
