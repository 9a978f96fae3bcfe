"""The dashboard and the pipeline in Chromium on the real platform: deals dragged between
stages with the mouse and moved with the keyboard, one closed lost with a reason and one
won, the dashboard's figures following; screenshots and axe-core on each main screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import ViewportSize, expect

from crm_devstack.testing import unique_name
from tests.web.conftest import PASSWORD, BrowserPage, Console, drag
from tests.web.test_console import log_in

WIDE = ViewportSize(width=2600, height=1100)
"""Wide enough for the default pipeline's nine columns side by side."""


async def _create_deals(console: Console, names: list[str]) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=console.base_url, timeout=10) as client:
        login = await client.post(
            "/api/v1/auth/token", json={"email": console.admin_email, "password": PASSWORD}
        )
        login.raise_for_status()
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        created = []
        for i, name in enumerate(names):
            body = {"name": name, "amount": str((i + 1) * 10_000_000)}
            response = await client.post("/api/v1/deals", json=body)
            response.raise_for_status()
            created.append(response.json())
        return created


async def test_deals_move_on_the_board_and_the_dashboard_follows(
    inspectable_page: BrowserPage, console: Console, axe_script: Path
) -> None:
    opened = inspectable_page
    page = opened.page
    await page.set_viewport_size(WIDE)
    tag = unique_name("PT").replace("_", " ")
    dragged, keyed, lost, won = await _create_deals(
        console, [f"{tag} ERP", f"{tag} Server", f"{tag} Lisensi", f"{tag} Cloud"]
    )

    await log_in(opened, console, console.admin_email)
    figures = page.get_by_test_id("dashboard-figures")
    stages = figures.get_by_role("list", name="Sales pipeline (in IDR)")
    await expect(stages.get_by_role("link", name="Prospecting Deals: 4 ")).to_be_visible()
    await expect(figures.get_by_text("No deal was closed in this period yet.")).to_be_visible()
    await opened.screenshot("dashboard-charts")
    await opened.assert_accessible(axe_script)

    await (
        page.get_by_role("navigation", name="Sections").get_by_role("link", name="Pipeline").click()
    )
    column = {
        s: page.get_by_test_id(f"column-{s}")
        for s in ("prospecting", "qualification", "closed_won", "closed_lost")
    }
    await expect(column["prospecting"].get_by_text("4 deals")).to_be_visible()

    # the mouse: Prospecting -> Qualification
    await drag(
        page, page.get_by_role("button", name=f"Move {dragged['name']}"), column["qualification"]
    )
    await expect(column["qualification"].get_by_role("link", name=dragged["name"])).to_be_visible()
    await expect(page.get_by_text(f"{dragged['name']} moved to Qualification.")).to_be_visible()

    # the keyboard: pick up, one column right, drop
    handle = page.get_by_role("button", name=f"Move {keyed['name']}")
    await handle.focus()
    await page.keyboard.press("Space")
    await expect(page.get_by_text(f"{keyed['name']} is over Prospecting.")).to_be_attached()
    await page.keyboard.press("ArrowRight")
    await expect(page.get_by_text(f"{keyed['name']} is over Qualification.")).to_be_attached()
    await page.keyboard.press("Space")
    await expect(column["qualification"].get_by_role("link", name=keyed["name"])).to_be_visible()
    await expect(column["qualification"].get_by_text("2 deals")).to_be_visible()
    await expect(page.get_by_text(f"{keyed['name']} moved to Qualification.")).to_be_visible()

    # closed lost asks why
    await drag(page, page.get_by_role("button", name=f"Move {lost['name']}"), column["closed_lost"])
    dialog = page.get_by_role("dialog", name=f"Why was {lost['name']} lost?")
    await expect(dialog.get_by_label("Lost reason")).to_be_focused()
    await opened.screenshot("pipeline-lost-reason")
    await dialog.get_by_label("Lost reason").fill("Too expensive")
    await expect(dialog.get_by_label("Lost reason")).to_have_value("Too expensive")
    await dialog.get_by_role("button", name="Close as lost").click()
    await expect(column["closed_lost"].get_by_role("link", name=lost["name"])).to_be_visible()
    await expect(page.get_by_text(f"{lost['name']} moved to Closed Lost.")).to_be_visible()

    await drag(page, page.get_by_role("button", name=f"Move {won['name']}"), column["closed_won"])
    await expect(column["closed_won"].get_by_role("link", name=won["name"])).to_be_visible()
    await expect(page.get_by_text(f"{won['name']} moved to Closed Won.")).to_be_visible()
    await expect(column["prospecting"].get_by_text("0 deals")).to_be_visible()
    await opened.screenshot("pipeline-board")
    await opened.assert_accessible(axe_script)

    await column["closed_lost"].get_by_role("link", name=lost["name"]).click()
    await expect(page.get_by_role("heading", name=lost["name"])).to_be_visible()
    await expect(page.get_by_test_id("deal-stage")).to_have_text("Closed Lost")
    history = page.get_by_role("table", name="Stage history")
    await expect(history.get_by_role("cell", name="Prospecting → Closed Lost")).to_be_visible()
    await expect(page.get_by_text("Too expensive")).to_be_visible()
    await opened.screenshot("pipeline-deal")
    await opened.assert_accessible(axe_script)

    await (
        page.get_by_role("navigation", name="Sections")
        .get_by_role("link", name="Dashboard")
        .click()
    )
    await expect(stages.get_by_role("link", name="Qualification Deals: 2 ")).to_be_visible()
    await expect(stages.get_by_role("link", name="Prospecting Deals: 0 ")).to_be_visible()
    await expect(figures.get_by_text("50%")).to_be_visible()
    await figures.get_by_role("link", name="Too expensive Deals: 1").click()
    await expect(
        page.get_by_role("heading", name="Deals: status lost, lost because of “Too expensive”")
    ).to_be_visible()
    await expect(page.get_by_role("link", name=lost["name"])).to_be_visible()
    assert opened.errors == []
