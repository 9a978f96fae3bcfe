"""Marketing in Chromium on the real platform: a segment built in the builder with its live
audience count, a campaign with a template and its server-rendered preview, launched after
a confirmation that states the audience, its metrics, and an automation; screenshots and
axe-core on each main screen."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import expect

from crm_devstack.testing import eventually
from tests.web.conftest import PASSWORD, BrowserPage, Console
from tests.web.test_console import log_in

CUSTOMERS = {
    "match": "all",
    "rules": [{"field": "lifecycle_stage", "op": "in", "value": ["customer"]}],
}


async def _seed_contacts(console: Console) -> None:
    """Two customers and a prospect, waited for until the campaigns service has them."""
    async with httpx.AsyncClient(base_url=console.base_url, timeout=10) as client:
        login = await client.post(
            "/api/v1/auth/token", json={"email": console.admin_email, "password": PASSWORD}
        )
        login.raise_for_status()
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        for first, stage in (("Sari", "customer"), ("Budi", "customer"), ("Rina", "prospect")):
            body: dict[str, Any] = {
                "first_name": first,
                "last_name": "Wijaya",
                "email": f"{first.lower()}@contoh.example.com",
                "lifecycle_stage": stage,
            }
            (await client.post("/api/v1/contacts", json=body)).raise_for_status()

        async def projected() -> bool:
            everyone = {
                "rules": {"rules": [{"field": "do_not_contact", "op": "eq", "value": False}]}
            }
            answer = await client.post("/api/v1/segments/preview", json=everyone)
            return answer.status_code == 200 and answer.json()["count"] == 3

        await eventually(
            projected, timeout=20, interval=0.2, what="contacts in the campaigns service"
        )


async def test_segment_campaign_launch_metrics_and_an_automation(
    inspectable_page: BrowserPage, console: Console, axe_script: Path
) -> None:
    await _seed_contacts(console)
    opened = inspectable_page
    page = opened.page
    await log_in(opened, console, console.admin_email)
    await (
        page.get_by_role("navigation", name="Sections")
        .get_by_role("link", name="Campaigns")
        .click()
    )
    await expect(page.get_by_role("heading", name="Campaigns", level=1)).to_be_visible()
    await expect(page.get_by_text("No campaigns yet. Build a segment")).to_be_visible()
    marketing = page.get_by_role("navigation", name="Marketing")

    # a segment: lifecycle stage is one of "Customer" -> the live count says 2
    await marketing.get_by_role("link", name="Segments").click()
    await page.get_by_role("link", name="New segment").click()
    await page.get_by_label("Segment name").fill("Pelanggan")
    await page.get_by_label("Customer", exact=True).check()
    audience = page.get_by_test_id("audience-count")
    await expect(audience).to_have_text("2 contacts")
    sample = page.get_by_role("complementary", name="Audience now")
    await expect(sample.get_by_role("link")).to_have_count(2)
    await page.get_by_label("Prospect", exact=True).check()
    await expect(audience).to_have_text("3 contacts")
    await page.get_by_label("Prospect", exact=True).uncheck()
    await expect(audience).to_have_text("2 contacts")
    await opened.screenshot("campaigns-segment-builder")
    await opened.assert_accessible(axe_script)
    await page.get_by_role("button", name="Save segment").click()
    await expect(page.get_by_text("Segment saved.")).to_be_visible()

    # a campaign for it, with a template whose preview the server personalizes
    await marketing.get_by_role("link", name="Campaigns").click()
    await page.get_by_role("link", name="New campaign").click()
    await page.get_by_label("Name", exact=True).fill("Promo Desember")
    await page.get_by_label("Pelanggan").check()
    subject = page.get_by_label("Subject")
    await subject.fill("Halo ")
    await page.get_by_role("button", name="{{first_name}}").click()
    await expect(subject).to_have_value("Halo {{first_name}}")
    await page.get_by_label("Text", exact=True).fill('Hai {{title | "kawan"}}, diskon 20%.')
    preview = page.get_by_role("region", name="Preview")
    await expect(preview.get_by_test_id("preview-subject")).to_have_text(
        re.compile(r"^Halo (Sari|Budi)$")
    )
    await expect(preview.get_by_test_id("preview-text")).to_contain_text("Hai kawan, diskon 20%.")
    await expect(preview).to_contain_text(re.compile(r"For (Sari|Budi) Wijaya"))
    await opened.screenshot("campaigns-template-editor")
    await opened.assert_accessible(axe_script)
    await page.get_by_role("button", name="Create campaign").click()

    # launched after a confirmation stating the audience; the metrics follow
    await expect(page.get_by_role("heading", name="Promo Desember", level=1)).to_be_visible()
    await page.get_by_role("button", name="Launch").click()
    dialog = page.get_by_role("dialog", name="Launch this campaign?")
    await expect(dialog.get_by_test_id("launch-audience")).to_have_text(
        "The audience is 2 contacts; each can be e-mailed."
    )
    await dialog.get_by_role("button", name="Launch now").click()
    await expect(dialog).to_have_count(0)
    await expect(page.locator(".page-head .badge")).to_have_text(re.compile("Active|Completed"))
    funnel = page.get_by_role("list", name="Campaign funnel")
    await expect(
        funnel.get_by_role("link", name=re.compile(r"^Audience Contacts: 2"))
    ).to_be_visible()
    await expect(page.get_by_role("region", name="Results")).to_contain_text("Return on investment")
    members = page.get_by_role("table", name="Members")
    await expect(members.get_by_role("link", name=re.compile(r"(Sari|Budi) Wijaya"))).to_have_count(
        2
    )
    await opened.screenshot("campaigns-detail")
    await opened.assert_accessible(axe_script)

    await marketing.get_by_role("link", name="Campaigns").click()
    await expect(page.get_by_role("link", name="Promo Desember")).to_be_visible()
    await opened.screenshot("campaigns-list")
    await opened.assert_accessible(axe_script)

    # an automation: new web leads get an e-mail
    await marketing.get_by_role("link", name="Automations").click()
    await page.get_by_role("link", name="New automation").click()
    await page.get_by_label("Name", exact=True).fill("Welcome web leads")
    await page.get_by_label("When this event happens").select_option("LeadCreated")
    await page.get_by_role("button", name="Add condition").click()
    await page.get_by_label("Field").fill("lead.source")
    await page.get_by_label("Value").fill("web")
    await page.get_by_label("Subject").fill("Terima kasih, {{first_name}}")
    await page.get_by_label("Text", exact=True).fill("Kami akan segera menghubungi Anda.")
    await expect(page.get_by_test_id("preview-subject")).to_have_text(
        re.compile(r"^Terima kasih, (Sari|Budi)$")
    )
    await opened.screenshot("campaigns-automation-editor")
    await opened.assert_accessible(axe_script)
    await page.get_by_role("button", name="Save automation").click()
    await expect(page.get_by_role("heading", name="Welcome web leads", level=1)).to_be_visible()
    await expect(page.get_by_text("It has not fired yet.")).to_be_visible()
    await page.get_by_role("link", name="All automations").click()
    toggle = page.get_by_role("checkbox", name="Welcome web leads: On")
    await expect(toggle).to_be_checked()
    assert opened.errors == []
