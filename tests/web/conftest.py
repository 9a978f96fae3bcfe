"""The web console in a real browser: the platform started as ``crm up`` starts it (the
gateway serving the console's build), and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Response,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError

from crm_devstack.browser import CHROMIUM, CHROMIUM_ARGS
from crm_devstack.console import build_console, console_gateway_settings
from crm_devstack.services import available_services
from crm_devstack.testing import Backend, TokenMinter, service_processes, unique_name

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"
SCREENSHOTS = REPO / "build" / "screenshots"
PASSWORD = "correct horse battery staple"
TIMEOUT_MS = 15_000


@dataclass(frozen=True)
class Console:
    """The gateway serving the console, and the users of this run's tenant."""

    base_url: str
    admin_email: str
    sales_email: str


@pytest.fixture(scope="session")
def console_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``web/dist``, built first if stale, by the same code as ``crm up``."""
    return build_console(WEB, tmp_path_factory.mktemp("console-build") / "build.log")


@pytest.fixture(scope="module")
def platform_settings() -> dict[str, dict[str, str]]:
    """Settings of the services other than the gateway, by service (overridable likewise)."""
    return {}


@pytest.fixture(scope="module")
async def console(
    backend: Backend,
    minter: TokenMinter,
    console_build: Path,
    tmp_path_factory: pytest.TempPathFactory,
    platform_settings: dict[str, dict[str, str]],
) -> AsyncIterator[Console]:
    """Every service and the gateway as processes (the launcher of ``crm up``),
    with a first admin who adds a sales user through the API."""
    tenant = unique_name("tenant_")
    admin = f"admin@{tenant.replace('_', '-')}.example.com"
    gateway_settings = console_gateway_settings(
        console_build, admin_email=admin, password=PASSWORD, tenant=tenant
    )
    with service_processes(
        available_services(),
        backend,
        minter,
        tmp_path_factory.mktemp("web-platform"),
        service_settings={**platform_settings, "gateway": gateway_settings},
        ready_timeout=90,
    ) as run:
        base_url = run.by_name["gateway"].base_url
        sales = f"sales@{tenant.replace('_', '-')}.example.com"
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
            login = await client.post(
                "/api/v1/auth/token", json={"email": admin, "password": PASSWORD}
            )
            login.raise_for_status()
            created = await client.post(
                "/api/v1/users",
                json={"email": sales, "roles": ["sales"], "password": PASSWORD},
                headers={"Authorization": f"Bearer {login.json()['access_token']}"},
            )
            created.raise_for_status()
        yield Console(base_url, admin, sales)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium (``make test`` installs it when missing)."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (make test does it)")
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    """Chromium, headless, started by Playwright and closed at the end of the session."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium), args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class BrowserPage:
    """A page in a fresh browser context, the errors its console reported (a CSP
    violation is one) and the scripts it loaded."""

    page: Page
    errors: list[str] = field(default_factory=list)
    scripts: list[Response] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", self._page_error)
        self.page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _page_error(self, error: PlaywrightError) -> None:
        self.errors.append(str(error))

    def _response(self, response: Response) -> None:
        if response.request.resource_type == "script":
            self.scripts.append(response)

    async def script_bytes_gzipped(self) -> int:
        """What the scripts loaded so far weigh gzipped (the console's JS budget)."""
        return sum([len(gzip.compress(await response.body())) for response in self.scripts])

    async def serious_accessibility_violations(self, axe_script: Path) -> list[dict[str, Any]]:
        """axe-core's serious and critical findings on the page as it is now (the page must
        allow injected script: ``inspectable_page``)."""
        await self.page.add_script_tag(path=axe_script)
        results = await self.page.evaluate(
            "() => axe.run(document, { resultTypes: ['violations'] })"
        )
        return [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    async def assert_accessible(self, axe_script: Path) -> None:
        """axe-core finds nothing serious or critical on the page as it is now."""
        serious = await self.serious_accessibility_violations(axe_script)
        assert serious == [], json.dumps(serious, indent=2)

    async def screenshot(self, name: str) -> None:
        """Save a full-page screenshot as ``build/screenshots/<name>.png``."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


async def open_page(
    browser: Browser, *, bypass_csp: bool = False
) -> tuple[BrowserContext, BrowserPage]:
    """A new context (its own storage) and page, English unless switched."""
    context = await browser.new_context(locale="en-US", bypass_csp=bypass_csp)
    context.set_default_timeout(TIMEOUT_MS)
    return context, BrowserPage(await context.new_page())


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[BrowserPage]:
    """A fresh page with the console's Content-Security-Policy enforced."""
    context, opened = await open_page(browser)
    try:
        yield opened
    finally:
        await context.close()


@pytest.fixture
async def inspectable_page(browser: Browser) -> AsyncIterator[BrowserPage]:
    """A fresh page where the test may inject script (axe-core), which the CSP forbids."""
    context, opened = await open_page(browser, bypass_csp=True)
    try:
        yield opened
    finally:
        await context.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core's browser bundle, from the console's dev dependencies."""
    script = WEB / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        pytest.fail(f"{script} is missing: run `npm ci` in web/ (make test does it)")
    return script


async def drag(page: Page, handle: Locator, target: Locator) -> None:
    """Drag by ``handle`` onto ``target`` with the mouse, in small steps (as a person does).

    The board may scroll while a card is dragged towards its edge, moving the target: the
    pointer is aimed at where the target is now, until it stays put, before the drop."""
    start = await handle.bounding_box()
    assert start
    await page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    await page.mouse.down()
    aimed: tuple[float, float] | None = None
    for _ in range(10):
        end = await target.bounding_box()
        assert end
        point = (end["x"] + end["width"] / 2, end["y"] + 60)
        if point == aimed:
            break
        await page.mouse.move(*point, steps=12)
        aimed = point
    await page.mouse.up()
