"""A sales team's day across the whole console, in Chromium on the real platform: a lead
created, converted with a deal, the deal dragged to Closed Won, the customer's 360° view
and the dashboard following; axe-core on each main screen."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from playwright.async_api import Locator, Page, ViewportSize, expect

from crm_devstack.testing import unique_name
from tests.web.conftest import BrowserPage, Console, drag
from tests.web.test_console import DASHBOARD_READY_AFTER_LOGIN, log_in

WIDE = ViewportSize(width=2600, height=1100)
"""Wide enough for the default pipeline's nine columns side by side."""
CONTACT_URL = re.compile(r"/contacts/con_[A-Za-z0-9]+$")
EVENTUALLY_S = 20
"""How long an event-driven figure may take to show (events cross the bus)."""


async def _reload_until(page: Page, loaded: Locator, shown: Callable[[], Awaitable[bool]]) -> None:
    """Reload until ``shown()``: a figure fed by events arrives a moment later. Each check
    waits for ``loaded`` first (reloading while the console still trades its refresh token
    would replay that token, which ends the session)."""
    deadline = asyncio.get_running_loop().time() + EVENTUALLY_S
    while True:
        await expect(loaded).to_be_visible()
        if await shown():
            return
        assert asyncio.get_running_loop().time() < deadline, f"not shown on {page.url}"
        await page.reload()


async def test_a_lead_becomes_a_customer_and_the_dashboard_follows(
    inspectable_page: BrowserPage, console: Console, axe_script: Path
) -> None:
    opened = inspectable_page
    page = opened.page
    await page.set_viewport_size(WIDE)
    surname = unique_name("Halim").replace("_", "")
    person = f"Rina {surname}"
    deal_name = f"{surname} ERP 2027"

    await log_in(opened, console, console.admin_email)
    figures = page.get_by_test_id("dashboard-figures")
    await expect(figures.get_by_text("No deal was closed in this period yet.")).to_be_visible()
    ready_ms = await page.evaluate(DASHBOARD_READY_AFTER_LOGIN)
    print(f"journey: dashboard ready {ready_ms:.0f} ms after the log-in")
    assert 0 < ready_ms <= 1500
    nav = page.get_by_role("navigation", name="Sections")

    # a new lead, converted with a deal: the console lands on the new contact
    await nav.get_by_role("link", name="Leads").click()
    await page.get_by_role("link", name="New lead").click()
    await page.get_by_label("First name").fill("Rina")
    await page.get_by_label("Last name").fill(surname)
    await page.get_by_label("E-mail").fill(f"{surname.lower()}@contoh.co.id")
    await page.get_by_label("Company").fill(f"PT {surname}")
    await page.get_by_role("button", name="Create lead").click()
    await expect(page.get_by_role("heading", name=person)).to_be_visible()
    await page.get_by_role("button", name="Convert…").click()
    dialog = page.get_by_role("dialog", name="Convert into a contact")
    await dialog.get_by_label("Also open a deal").check()
    await dialog.get_by_label("Deal name").fill(deal_name)
    await dialog.get_by_label("Amount (IDR)").fill("25000000")
    await dialog.get_by_role("button", name="Convert", exact=True).click()
    await expect(page).to_have_url(CONTACT_URL, timeout=25_000)
    contact_url = page.url
    await expect(page.get_by_role("heading", name=person, level=1)).to_be_visible()
    deals_part = page.get_by_role("region", name="Deals")
    await expect(deals_part.get_by_text(deal_name)).to_be_visible(timeout=EVENTUALLY_S * 1000)

    # the deal dragged to Closed Won on the board
    await nav.get_by_role("link", name="Pipeline").click()
    won_column = page.get_by_test_id("column-closed_won")
    await expect(page.get_by_role("button", name=f"Move {deal_name}")).to_be_visible()
    await drag(page, page.get_by_role("button", name=f"Move {deal_name}"), won_column)
    await expect(won_column.get_by_role("link", name=deal_name)).to_be_visible()
    await expect(page.get_by_text(f"{deal_name} moved to Closed Won.")).to_be_visible()

    # the customer's 360° view: the deal closed, a first purchase (DealWon reached contacts)
    await page.goto(contact_url)
    purchases = page.get_by_role("region", name="Purchases")
    await _reload_until(
        page,
        page.get_by_role("region", name="Timeline"),
        lambda: purchases.get_by_text("Total spent").is_visible(),
    )
    await expect(purchases).to_contain_text("25,000,000")
    closed = deals_part.get_by_role("listitem").filter(has_text="Closed Won")
    await expect(closed.get_by_role("link", name=deal_name)).to_be_visible()
    await opened.screenshot("journey-contact-360")
    await opened.assert_accessible(axe_script)

    # the dashboard: one deal won of one closed
    await nav.get_by_role("link", name="Dashboard").click()
    await expect(figures.get_by_text("100%")).to_be_visible()
    await opened.screenshot("journey-dashboard")
    await opened.assert_accessible(axe_script)
    assert opened.errors == []
