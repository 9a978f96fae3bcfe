"""The leads screens in Chromium on the real platform: create, list, filter, search, edit,
score explained, import with a bad row, convert with a deal onto the new contact."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from playwright.async_api import expect

from crm_devstack.testing import unique_name
from tests.web.conftest import BrowserPage, Console
from tests.web.test_console import log_in

CONTACT_URL = re.compile(r"/contacts/[A-Za-z0-9_]+$")


async def test_a_lead_from_creation_to_conversion(
    inspectable_page: BrowserPage, console: Console, axe_script: Path
) -> None:
    opened = inspectable_page
    page = opened.page
    surname = unique_name("Wijaya").replace("_", "")
    email = f"{surname.lower()}@contoh.co.id"
    await log_in(opened, console, console.admin_email)
    await page.get_by_role("navigation", name="Sections").get_by_role("link", name="Leads").click()

    await page.get_by_role("link", name="New lead").click()
    await page.get_by_label("First name").fill("Andi")
    await page.get_by_label("Last name").fill(surname)
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Company").fill(f"PT {surname}")
    await page.get_by_label("Source").select_option("referral")
    await page.get_by_role("button", name="Create lead").click()
    await expect(page.get_by_role("heading", name=f"Andi {surname}")).to_be_visible()

    await page.get_by_role("link", name="Back to the leads").click()
    table = page.get_by_role("table", name="Leads")
    await expect(table.get_by_role("link", name=f"Andi {surname}")).to_be_visible()
    await page.get_by_role("searchbox", name="Search").fill(surname.lower()[:10])
    await page.get_by_role("button", name="Search").click()
    await page.get_by_label("Source").select_option("referral")
    await expect(page).to_have_url(re.compile(r"source=referral"))
    await expect(table.get_by_role("row")).to_have_count(2)  # the header and our lead
    await page.get_by_label("Source").select_option("event")
    await expect(page.get_by_text("No lead matches these filters.")).to_be_visible()
    await page.go_back()  # the filters live in the URL
    await expect(table.get_by_role("link", name=f"Andi {surname}")).to_be_visible()
    await opened.screenshot("leads-list")
    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="Export CSV").click()
    download = await download_info.value
    saved = Path(await download.path())
    exported = (await asyncio.to_thread(saved.read_text, encoding="utf-8")).splitlines()
    assert download.suggested_filename.startswith("leads-")
    assert len(exported) == 2 and email in exported[1]  # the header and the filtered lead
    await opened.assert_accessible(axe_script)

    await table.get_by_role("link", name=f"Andi {surname}").click()
    await page.get_by_role("button", name="Edit").click()
    await page.get_by_label("Job title").fill("Direktur")
    await page.get_by_role("button", name="Save").click()
    details = page.get_by_role("region", name="Details")
    await expect(details.get_by_text("Direktur")).to_be_visible()
    score = page.get_by_role("region", name="Score")
    await expect(score.get_by_role("cell", name="Referral")).to_be_visible()
    await expect(score.get_by_text(re.compile(r"the score \d+"))).to_be_visible()
    await opened.screenshot("lead-detail")
    await opened.assert_accessible(axe_script)

    await page.get_by_role("link", name="Back to the leads").click()
    await page.get_by_role("link", name="Import CSV").click()
    csv = (
        "first_name,last_name,email\n"
        f"Sri,{surname}a,sri.{email}\n"
        f"Budi,{surname}b,not-an-email\n"
        f"Andi,{surname},{email}\n"
    )
    await page.get_by_label("CSV file").set_input_files(
        {"name": "leads.csv", "mimeType": "text/csv", "buffer": csv.encode()}
    )
    await page.get_by_role("button", name="Import").click()
    report = page.get_by_role("region", name="Import report")
    await expect(
        report.get_by_text("3 rows read: 1 imported, 1 rejected, 1 duplicates.")
    ).to_be_visible()
    rejected = report.get_by_role("table", name="Rejected rows")
    await expect(rejected.get_by_role("row").nth(1).get_by_role("cell").first).to_have_text("3")
    duplicates = report.get_by_role("table", name="Duplicates (not imported)")
    await expect(duplicates.get_by_role("row").nth(1).get_by_role("cell").first).to_have_text("4")
    await opened.screenshot("leads-import-report")

    await report.get_by_role("link", name="Open").click()  # the existing lead of the duplicate
    await expect(page.get_by_role("heading", name=f"Andi {surname}")).to_be_visible()
    await page.get_by_role("button", name="Convert…").click()
    dialog = page.get_by_role("dialog", name="Convert into a contact")
    await expect(dialog.get_by_label("Account name")).to_have_value(f"PT {surname}")
    await dialog.get_by_label("Also open a deal").check()
    await dialog.get_by_label("Deal name").fill("Langganan 2027")
    await dialog.get_by_label("Amount (IDR)").fill("15000000")
    await opened.screenshot("lead-convert-dialog")
    await dialog.get_by_role("button", name="Convert", exact=True).click()
    await expect(page).to_have_url(CONTACT_URL, timeout=25_000)
    assert opened.errors == []
