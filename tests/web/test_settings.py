"""The settings section in Chromium on the real platform: an admin adds a user with a role,
creates an API key and sees its secret once, subscribes a webhook (a receiver on loopback)
and replays its delivery, edits a pipeline stage with the keyboard and sets a sales target;
a salesperson neither sees the section nor opens its pages. Screenshots and axe-core."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm_devstack.testing import eventually, served, unique_name
from tests.web.conftest import PASSWORD, BrowserPage, Console
from tests.web.test_console import log_in


@pytest.fixture(scope="module")
def platform_settings() -> dict[str, dict[str, str]]:
    """Webhooks may reach the loopback receiver."""
    return {"notifications": {"WEBHOOK_ALLOW_HOSTS": '["127.0.0.1"]'}}


@dataclass
class Receiver:
    """A webhook endpoint that accepts every delivery and keeps each one's ``webhook-id``."""

    ids: list[str] = field(default_factory=list)

    async def hook(self, request: Request) -> Response:
        await request.body()
        self.ids.append(request.headers.get("webhook-id", ""))
        return Response(status_code=204)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    """The receiver served on 127.0.0.1 (a free port), stopped at the end."""
    kept = Receiver()
    app = Starlette(routes=[Route("/hook", kept.hook, methods=["POST"])])
    async with served(app) as base_url:
        yield kept, f"{base_url}/hook"


async def _check_page(opened: BrowserPage, axe_script: Path, screenshot: str) -> None:
    await opened.screenshot(screenshot)
    await opened.assert_accessible(axe_script)


async def _open(page: Page, name: str) -> None:
    await (
        page.get_by_role("navigation", name="Settings pages").get_by_role("link", name=name).click()
    )
    await expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


async def test_an_admin_manages_the_settings_and_a_salesperson_cannot(
    inspectable_page: BrowserPage,
    page: BrowserPage,
    console: Console,
    axe_script: Path,
    receiver: tuple[Receiver, str],
) -> None:
    opened = inspectable_page
    admin = opened.page
    tag = unique_name("set").replace("_", "-")
    await log_in(opened, console, console.admin_email)
    await (
        admin.get_by_role("navigation", name="Sections")
        .get_by_role("link", name="Settings")
        .click()
    )

    # users and roles: a new support agent
    await expect(admin.get_by_role("heading", level=1, name="Users and roles")).to_be_visible()
    email = f"{tag}@example.com"
    await admin.get_by_role("button", name="Add a user").click()
    dialog = admin.get_by_role("dialog", name="Add a user")
    await dialog.get_by_label("E-mail").fill(email)
    await dialog.get_by_label("Name").fill("Dewi Support")
    await dialog.get_by_label("Sales", exact=True).uncheck()
    await dialog.get_by_label("Support").check()
    await dialog.get_by_label("Initial password").fill(PASSWORD)
    await dialog.get_by_role("button", name="Add a user").click()
    row = admin.get_by_role("row").filter(has_text=email)
    await expect(row.get_by_role("cell", name="Support", exact=True)).to_be_visible()
    await _check_page(opened, axe_script, "settings-users")

    # API keys: the secret once
    await _open(admin, "API keys")
    await admin.get_by_role("button", name="Create an API key").click()
    dialog = admin.get_by_role("dialog", name="Create an API key")
    await dialog.get_by_label("Name").fill(f"ERP {tag}")
    await dialog.get_by_label("Read leads").check()
    await dialog.get_by_role("button", name="Create an API key").click()
    secret_field = admin.get_by_label("Your new API key")
    await expect(secret_field).to_have_value(re.compile(r"^crm_key_\S{20,}$"))
    secret = await secret_field.input_value()
    await expect(admin.get_by_text("you will not see it again.")).to_be_visible()
    key_row = admin.get_by_role("row").filter(has_text=f"ERP {tag}")
    await expect(key_row.get_by_role("cell", name="leads:read")).to_be_visible()
    await _check_page(opened, axe_script, "settings-api-keys")
    await admin.get_by_role("button", name="I have kept it").click()
    await expect(secret_field).to_have_count(0)
    await admin.reload()
    await expect(key_row).to_be_visible()
    assert secret not in await admin.content()

    # webhooks: subscribe the receiver, a test delivery, its replay
    kept, receiver_url = receiver
    await _open(admin, "Webhooks")
    await admin.get_by_role("button", name="Add a webhook").click()
    dialog = admin.get_by_role("dialog", name="Add a webhook")
    await dialog.get_by_label("URL").fill(receiver_url)
    await dialog.get_by_label("Event types").fill("Deal*, Lead*")
    await dialog.get_by_role("button", name="Add a webhook").click()
    await expect(admin.get_by_label("The webhook's signing secret")).to_have_value(
        re.compile(r"\S{16,}")
    )
    await _check_page(opened, axe_script, "settings-webhooks")
    await admin.get_by_role("button", name="I have kept it").click()
    await admin.get_by_role("link", name=receiver_url).click()
    await expect(admin.get_by_role("heading", level=1, name=receiver_url)).to_be_visible()
    await admin.get_by_role("button", name="Send a test event").click()
    log = admin.get_by_role("table", name="Deliveries to this webhook, newest first")
    delivery = log.get_by_role("row").filter(has_text="WebhookTest")
    await expect(delivery.get_by_role("cell", name="Delivered")).to_be_visible()
    await expect(delivery.get_by_role("cell", name="204")).to_be_visible()
    assert len(kept.ids) == 1
    await delivery.get_by_role("button", name=re.compile("^Replay WebhookTest")).click()
    await eventually(lambda: len(kept.ids) == 2, timeout=15, what="the replayed delivery")
    assert kept.ids[0] == kept.ids[1]  # a replay keeps the webhook-id
    await delivery.get_by_role("button", name=re.compile("^Details of WebhookTest")).click()
    detail = admin.get_by_role("dialog", name="Delivery")
    await expect(
        detail.get_by_role("definition").filter(has_text=re.compile("^1$"))
    ).to_be_visible()
    await expect(
        detail.get_by_role("table", name="Attempts, in order").get_by_role("cell", name="204")
    ).to_have_count(2)
    await _check_page(opened, axe_script, "settings-webhook-deliveries")
    await detail.get_by_role("button", name="Close").click()

    # pipelines: Qualification one place down (keyboard) at 15 %
    await _open(admin, "Pipelines and stages")
    await admin.get_by_role("button", name="Edit the stages of Sales pipeline").click()
    await admin.get_by_role("button", name="Move Qualification down").focus()
    await admin.keyboard.press("Enter")
    await expect(admin.get_by_role("button", name="Move Qualification down")).to_be_focused()
    await admin.get_by_label("Probability of Qualification (%)").fill("15")
    await _check_page(opened, axe_script, "settings-pipeline-stages")
    await admin.get_by_role("button", name="Save the stages").click()
    stages = admin.get_by_role("table", name="Stages of Sales pipeline, in order")
    await expect(stages.get_by_role("row").nth(2)).to_contain_text("Needs Analysis")
    await expect(stages.get_by_role("row").nth(3)).to_contain_text("Qualification15%")

    # sales targets
    await _open(admin, "Sales targets")
    await admin.get_by_label("Owner").select_option(label=console.sales_email)
    await admin.get_by_label("Period").fill("2026-Q4")
    await admin.get_by_label("Amount").fill("150000000")
    await admin.get_by_role("button", name="Set the target").click()
    target = admin.get_by_role("row").filter(has_text="2026-Q4")
    await expect(target.get_by_role("cell", name=re.compile(r"150,000,000"))).to_be_visible()
    await _check_page(opened, axe_script, "settings-targets")

    await _open(admin, "Lead scoring")
    await expect(admin.get_by_role("button", name="Save the scoring")).to_be_visible()
    await _check_page(opened, axe_script, "settings-scoring")
    assert opened.errors == []

    # a salesperson: no settings in the navigation, and an admin page's URL is refused
    await log_in(page, console, console.sales_email)
    nav = page.page.get_by_role("navigation", name="Sections")
    await expect(nav.get_by_role("link", name="Dashboard")).to_be_visible()
    await expect(nav.get_by_role("link", name="Settings")).to_have_count(0)
    await page.page.goto(console.base_url + "/settings/api-keys")
    await expect(
        page.page.get_by_role("heading", name="Your role does not allow this.")
    ).to_be_visible()
    await expect(page.page.get_by_label("Your new API key")).to_have_count(0)
    await page.screenshot("settings-refused-api-keys")
    assert page.errors == []
