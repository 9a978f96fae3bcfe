"""The header's notification bell in Chromium on the real platform: a lead assigned through
the API reaches the signed-in owner live (no reload), leads to the lead, and is marked read."""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import expect

from crm_devstack.testing import unique_name
from tests.web.conftest import PASSWORD, BrowserPage, Console
from tests.web.test_console import log_in

LIVE_TIMEOUT_MS = 10_000
"""From the assignment through the broker and the notifications service to the badge."""


def subject_of(access_token: str) -> str:
    """The user id (``sub``) of an access token."""
    payload = access_token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return str(claims["sub"])


async def script_sizes(opened: BrowserPage) -> tuple[int, int]:
    """The scripts loaded so far: their size, and the bytes sent (gzipped or not)."""
    decoded = sum([len(await response.body()) for response in opened.scripts])
    sizes = [await response.request.sizes() for response in opened.scripts]
    return decoded, sum(size["responseBodySize"] for size in sizes)


async def assign_new_lead(
    api: httpx.AsyncClient, admin: dict[str, str], owner_id: str
) -> tuple[str, str]:
    """A new lead, assigned by the admin to ``owner_id``; its id and name."""
    surname = unique_name("Lestari").replace("_", "")
    created = await api.post(
        "/api/v1/leads",
        json={
            "first_name": "Dewi",
            "last_name": surname,
            "email": f"{surname.lower()}@contoh.co.id",
        },
        headers=admin,
    )
    created.raise_for_status()
    lead_id = created.json()["id"]
    assigned = await api.post(
        f"/api/v1/leads/{lead_id}/assign", json={"owner_id": owner_id}, headers=admin
    )
    assigned.raise_for_status()
    return lead_id, f"Dewi {surname}"


async def test_an_assigned_lead_reaches_its_owner_live(
    inspectable_page: BrowserPage, console: Console, axe_script: Path
) -> None:
    opened = inspectable_page
    page = opened.page
    started = time.monotonic()
    async with page.expect_response(re.compile(r"/api/v1/notifications/stream$")) as stream:
        await log_in(opened, console, console.sales_email)
    assert (await stream.value).status == 200
    bell = page.get_by_role("banner").get_by_role("button", name=re.compile("^Notifications"))
    await expect(bell).to_have_accessible_name("Notifications")
    await expect(page.get_by_test_id("bell-badge")).to_have_count(0)
    decoded, sent = await script_sizes(opened)
    print(f"log-in and dashboard scripts: {decoded / 1000:.1f} KB, sent {sent / 1000:.1f} KB")
    assert 0 < sent * 2 < decoded, "the gateway gzips the console's scripts"

    async with httpx.AsyncClient(base_url=console.base_url, timeout=10) as api:
        tokens = {}
        for email in (console.admin_email, console.sales_email):
            login = await api.post(
                "/api/v1/auth/token", json={"email": email, "password": PASSWORD}
            )
            login.raise_for_status()
            tokens[email] = login.json()["access_token"]
        admin = {"Authorization": f"Bearer {tokens[console.admin_email]}"}
        owner = subject_of(tokens[console.sales_email])
        await assign_new_lead(api, admin, owner)
        # the first reaches the bell before the second is assigned: events of two leads may
        # be handled in one fetch, in partition order, so only this makes one the newest
        await expect(bell).to_have_accessible_name(
            "Notifications, 1 unread", timeout=LIVE_TIMEOUT_MS
        )
        newest_id, newest_name = await assign_new_lead(api, admin, owner)

    await expect(bell).to_have_accessible_name("Notifications, 2 unread", timeout=LIVE_TIMEOUT_MS)
    await expect(page.get_by_test_id("bell-badge")).to_have_text("2")
    await expect(
        page.get_by_role("status").filter(has_text=re.compile("new notification", re.I))
    ).to_have_count(1)

    await bell.click()
    await expect(bell).to_have_attribute("aria-expanded", "true")
    panel = page.get_by_role("region", name="Notifications")
    items = panel.get_by_role("link", name="Lead assigned to you")
    await expect(items).to_have_count(2)
    await opened.screenshot("notifications-panel")
    serious = await opened.serious_accessibility_violations(axe_script)
    assert serious == [], json.dumps(serious, indent=2)

    await items.first.click()  # the newest first
    await expect(page).to_have_url(re.compile(f"/leads/{newest_id}$"))
    await expect(page.get_by_role("heading", level=1, name=newest_name)).to_be_focused()
    await expect(bell).to_have_accessible_name("Notifications, 1 unread")

    await bell.click()
    await panel.get_by_role("button", name="Mark all read").click()
    await expect(bell).to_have_accessible_name("Notifications")
    await expect(page.get_by_test_id("bell-badge")).to_have_count(0)
    await page.keyboard.press("Escape")
    await expect(panel).to_have_count(0)
    await expect(bell).to_be_focused()

    print(f"bell flow {time.monotonic() - started:.1f} s")
    assert opened.errors == []
