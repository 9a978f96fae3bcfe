"""Contacts, accounts and cases in Chromium on the real platform: the contact list, the
360 view, logging a call and a note, a task created and completed, a case opened from
the contact and resolved; screenshots and axe-core on each main screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import expect

from tests.web.conftest import PASSWORD, BrowserPage, Console
from tests.web.test_console import log_in


async def _create(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    response.raise_for_status()
    created: dict[str, Any] = response.json()
    return created


async def test_contact_360_activities_tasks_and_a_case(
    inspectable_page: BrowserPage, console: Console, axe_script: Path
) -> None:
    async with httpx.AsyncClient(base_url=console.base_url, timeout=10) as client:
        login = await client.post(
            "/api/v1/auth/token", json={"email": console.admin_email, "password": PASSWORD}
        )
        login.raise_for_status()
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        account = await _create(
            client, "/api/v1/accounts", {"name": "PT Maju Jaya", "industry": "Retail"}
        )
        await _create(
            client,
            "/api/v1/contacts",
            {
                "first_name": "Budi",
                "last_name": "Santoso",
                "email": "budi@majujaya.example.com",
                "account_id": account["id"],
                "lifecycle_stage": "customer",
            },
        )

    page = inspectable_page.page
    await log_in(inspectable_page, console, console.admin_email)
    nav = page.get_by_role("navigation", name="Sections")
    await nav.get_by_role("link", name="Contacts").click()
    await expect(page.get_by_role("heading", name="Contacts", level=1)).to_be_visible()
    await expect(page.get_by_role("link", name="Budi Santoso")).to_be_visible()
    await inspectable_page.screenshot("contacts-list")
    await inspectable_page.assert_accessible(axe_script)

    await page.get_by_role("link", name="Budi Santoso").click()
    await expect(page.get_by_role("heading", name="Budi Santoso", level=1)).to_be_visible()
    await expect(page.get_by_role("region", name="Account")).to_contain_text("PT Maju Jaya")
    await expect(page.get_by_role("region", name="Purchases")).to_contain_text("No purchases yet.")
    await expect(page.get_by_role("region", name="Campaigns")).to_contain_text(
        "Not in any campaign."
    )
    timeline = page.get_by_role("region", name="Timeline")
    await expect(timeline).to_contain_text("Nothing logged yet.")

    await page.get_by_label("Subject").fill("Discussed the renewal")
    await page.get_by_label("Duration in minutes").fill("15")
    await page.get_by_role("button", name="Log call").click()
    await expect(timeline.get_by_text("Discussed the renewal")).to_be_visible()

    await page.get_by_label("Type").select_option("note")
    await page.get_by_label("Subject").fill("Prefers WhatsApp in the morning")
    await page.get_by_label("Details").fill("Not before 8.")
    await page.get_by_role("button", name="Add note").click()
    await expect(timeline.get_by_text("Prefers WhatsApp in the morning")).to_be_visible()

    await page.get_by_label("Type").select_option("task")
    await page.get_by_label("Subject").fill("Send the renewal quote")
    await page.get_by_label("Due").fill("2030-01-15T09:30")
    await page.get_by_role("button", name="Create task").click()
    complete = page.get_by_role("button", name="Mark “Send the renewal quote” done")
    await complete.click()
    await expect(complete).to_have_count(0)
    await expect(timeline.get_by_text("Done ", exact=False)).to_be_visible()
    await expect(timeline.locator(".timeline-subject")).to_have_text(
        ["Send the renewal quote", "Prefers WhatsApp in the morning", "Discussed the renewal"]
    )
    await inspectable_page.screenshot("contact-360")
    await inspectable_page.assert_accessible(axe_script)

    await page.get_by_role("link", name="Open a case").click()
    await expect(page.get_by_role("heading", name="Open a case", level=1)).to_be_visible()
    await page.get_by_label("Subject").fill("Invoice shows the wrong address")
    await page.get_by_label("Priority").select_option("high")
    await page.get_by_role("button", name="Open the case").click()
    await expect(
        page.get_by_role("heading", name="Invoice shows the wrong address", level=1)
    ).to_be_visible()
    case_url = page.url

    await page.goto(console.base_url + "/cases?priority=high")
    cases = page.get_by_role("table", name="Cases, the most urgent first, then by SLA due time")
    await expect(cases.get_by_role("link", name="Invoice shows the wrong address")).to_be_visible()
    await expect(page.get_by_label("Priority")).to_have_value("high")
    await inspectable_page.screenshot("cases-list")
    await inspectable_page.assert_accessible(axe_script)

    await cases.get_by_role("link", name="Invoice shows the wrong address").click()
    assert page.url == case_url
    await expect(page.get_by_role("link", name="Budi Santoso")).to_be_visible()
    await inspectable_page.screenshot("case")
    await inspectable_page.assert_accessible(axe_script)
    await page.get_by_label("What solved it").fill("Billing address corrected.")
    await page.get_by_role("button", name="Resolve").click()
    await expect(page.get_by_text("Resolved within the SLA")).to_be_visible()
    await expect(page.get_by_text("Billing address corrected.")).to_be_visible()
    await inspectable_page.screenshot("case-resolved")

    await nav.get_by_role("link", name="Accounts").click()
    await page.get_by_role("link", name="PT Maju Jaya").click()
    await expect(page.get_by_role("heading", name="PT Maju Jaya", level=1)).to_be_visible()
    await expect(page.get_by_role("region", name="Contacts")).to_contain_text("Budi Santoso")
    await inspectable_page.screenshot("account")
    await inspectable_page.assert_accessible(axe_script)
    assert inspectable_page.errors == []
