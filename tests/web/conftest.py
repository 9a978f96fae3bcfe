"""The web console in a real browser: the platform started as ``crm up`` starts it (the
gateway serving the console's build), and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import gzip
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
    Page,
    Response,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError

from crm_devstack.console import check_node, run_step, steps_needed
from crm_devstack.services import get_service
from crm_devstack.testing import Backend, TokenMinter, service_processes, unique_name

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"
SCREENSHOTS = REPO / "build" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVICES = ("leads", "contacts", "deals", "notifications", "gateway")
"""The dashboard's services, the notifications of the header's bell (every signed-in page
opens its stream) and the gateway in front of them."""
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
    steps = steps_needed(WEB)
    if steps:
        check_node()
    log = tmp_path_factory.mktemp("console-build") / "build.log"
    for step in steps:
        run_step(step, WEB, log)
    return WEB / "dist"


@pytest.fixture(scope="module")
async def console(
    backend: Backend,
    minter: TokenMinter,
    console_build: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Console]:
    """The services of :data:`SERVICES` as processes (the launcher of ``crm up``),
    with a first admin who adds a sales user through the API."""
    tenant = unique_name("tenant_")
    admin = f"admin@{tenant.replace('_', '-')}.example.com"
    gateway_settings = {
        "CONSOLE_DIR": str(console_build),
        "BOOTSTRAP_ADMIN_EMAIL": admin,
        "BOOTSTRAP_ADMIN_PASSWORD": PASSWORD,
        "BOOTSTRAP_ADMIN_TENANT": tenant,
    }
    with service_processes(
        [get_service(name) for name in SERVICES],
        backend,
        minter,
        tmp_path_factory.mktemp("web-platform"),
        service_settings={"gateway": gateway_settings},
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
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
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
