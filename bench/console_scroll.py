"""The console's leads list at 10,000 rows in Chromium: ``python -m bench.console_scroll``.

Starts the platform as ``crm up`` does (every service and the gateway serving the
console's build, with a first admin), imports 10,000 leads through the public CSV import
and waits until the list API has them. Then, in Debian's Chromium driven by Playwright,
two lists are open, each logged in in its own context:

- the baseline: the leads at their first page (the requests for further pages are held);
- the leads scrolled to the end again and again until the infinite scroll has loaded
  every page (the time it takes is a figure).

Both are then scrolled top to bottom and back at the same steady pace, by turns in
:data:`ROUNDS` parts each, so that a change in the machine's load touches both alike.
Frame times (``requestAnimationFrame`` deltas), the row elements in the DOM (windowing
keeps them bounded) and the JS heap are measured in the page. ``--quick``: 2,000 leads
and shorter scrolls. Saves ``bench/results/console_scroll-<UTC>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page, Request, Route, async_playwright

from bench.context import Run, Sizes
from bench.data import lead_csv
from bench.harness import Stack
from bench.importing import post_csv
from bench.platform import start_services
from bench.report import Figure
from bench.runner import Results, run_benchmark
from bench.scrolling import ROWS, SCROLLER, FrameStats, Sweep, load_all_rows
from crm_devstack.browser import CHROMIUM, CHROMIUM_ARGS
from crm_devstack.console import build_console, console_gateway_settings
from crm_devstack.services import available_services
from crm_devstack.testing import TokenMinter, unique_name
from gateway.settings import GatewaySettings

WEB = Path(__file__).resolve().parents[1] / "web"
PASSWORD = "correct horse battery staple"
MEASURE_ARGS = ("--enable-precise-memory-info", "--js-flags=--expose-gc")
"""Beside the tests' launch arguments: an unrounded ``performance.memory``, and ``gc()``
so that the heap is measured after a collection."""
BULK_TIMEOUT_S: float = GatewaySettings.model_fields["upstream_bulk_timeout_s"].default
LISTED_TIMEOUT_S = 120.0
LOAD_ALL_TIMEOUT_S = 600.0
PACE_PX_PER_S = 30_000.0
"""About 680 rows a second: the 10k list top to bottom and back in about 30 s."""
WARMUP_S = 2.0
ROUNDS = 6
UI_TIMEOUT_MS = 30_000
MAX_P95_RATIO = 1.5
MAX_DOM_RATIO = 1.5
DASHBOARD_READY_TARGET_MS = 1500.0
DASHBOARD_READY_AFTER_LOGIN = """() => {
  const [loggedIn] = performance.getEntriesByName("crm:logged-in");
  const [ready] = performance.getEntriesByName("crm:dashboard-ready");
  return ready.startTime - loggedIn.startTime;
}"""
"""Milliseconds from the log-in to the dashboard's figures shown (the console's marks)."""


def mode(*, quick: bool) -> tuple[int, float]:
    """Leads to import and seconds of each measured scroll."""
    return (2_000, 8.0) if quick else (10_000, 30.0)


async def import_leads(base_url: str, email: str, rows: int) -> dict[str, Any]:
    """Log in as ``email``, import ``rows`` leads as one CSV (the API takes up to 100k rows
    a file, as a background job) and wait until the list API counts them; the import's
    report and timings."""
    since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    timeout = httpx.Timeout(BULK_TIMEOUT_S, connect=10.0)
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout) as client:
        login = await client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
        login.raise_for_status()
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        started = time.perf_counter()
        report = await post_csv(
            f"{base_url}/api/v1/leads/import",
            {"Authorization": client.headers["Authorization"]},
            lead_csv(rows, unique_name("s")),
            BULK_TIMEOUT_S,
        )
        imported = time.perf_counter() - started
        if report["created"] != rows:
            raise RuntimeError(f"import created {report['created']} of {rows}: {report}")
        deadline = time.monotonic() + LISTED_TIMEOUT_S
        while True:
            summary = await client.get("/api/v1/leads/summary", params={"from": since})
            summary.raise_for_status()
            if summary.json()["new_leads"] >= rows:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"the list has {summary.json()['new_leads']} of {rows} leads")
            await asyncio.sleep(0.5)
    return {
        "rows": rows,
        "created": report["created"],
        "import_s": round(imported, 2),
        "listed_after_s": round(time.perf_counter() - started - imported, 2),
    }


async def logged_in(browser: Browser, base_url: str, email: str) -> tuple[BrowserContext, Page]:
    """A fresh context logged in as ``email`` (the log-in submitted)."""
    context = await browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = await context.new_page()
    await page.goto(base_url + "/")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    return context, page


async def dashboard_ready_ms(browser: Browser, base_url: str, email: str) -> float:
    """Log in and time the dashboard's figures after the log-in (the console's marks)."""
    context, page = await logged_in(browser, base_url, email)
    try:
        await page.get_by_test_id("dashboard-figures").wait_for()
        return float(await page.evaluate(DASHBOARD_READY_AFTER_LOGIN))
    finally:
        await context.close()


async def open_leads(browser: Browser, base_url: str, email: str) -> tuple[BrowserContext, Page]:
    """A fresh context logged in as ``email``, on the leads list, first page shown."""
    context, page = await logged_in(browser, base_url, email)
    await page.get_by_role("navigation", name="Sections").get_by_role("link", name="Leads").click()
    await page.locator(SCROLLER).locator(ROWS).first.wait_for()
    return context, page


async def hold_further_pages(page: Page, released: asyncio.Event) -> None:
    """Keep ``page``'s list at its first page: requests for further pages wait until
    ``released`` and are then dropped (the first page asks for none before its last rows
    come into view)."""

    async def hold(route: Route) -> None:
        await released.wait()
        with contextlib.suppress(Exception):  # the page may be closed by then
            await route.abort()

    await page.route(lambda url: "/api/v1/leads?" in url and "cursor=" in url, hold)


async def load_every_page(page: Page) -> dict[str, Any]:
    """Scroll until every page is loaded; the time, the list requests and the frames."""
    requests: list[str] = []

    def listed(request: Request) -> None:
        if "/api/v1/leads?" in request.url:
            requests.append(request.url)

    page.on("request", listed)
    loading = await load_all_rows(page, LOAD_ALL_TIMEOUT_S)
    page.remove_listener("request", listed)
    if not loading["complete"]:
        raise TimeoutError(f"not every page loaded within {LOAD_ALL_TIMEOUT_S:.0f} s")
    return {**loading, "page_requests": len(requests) + 1}  # + the first page


async def rows_loaded(page: Page) -> int:
    """The rows the list holds (its body's height over a row's)."""
    count: int = await page.locator(".vtable-body").evaluate(
        "(body) => Math.round(body.offsetHeight / body.querySelector('[role=row]').offsetHeight)"
    )
    return count


async def measure(base_url: str, email: str, seconds: float) -> dict[str, Any]:
    """Chromium as the browser tests launch it, with two lists open: the first page only
    (the baseline) and every page loaded by scrolling; then both scrolled at the same pace
    by turns, :data:`ROUNDS` parts each, so that both see the machine's varying load."""
    if not CHROMIUM.is_file():
        raise RuntimeError(f"{CHROMIUM} is missing: `make chromium` installs it")
    released = asyncio.Event()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *MEASURE_ARGS], headless=True
        )
        try:
            print("[bench] dashboard after the log-in ...", flush=True)
            dashboard_ms = await dashboard_ready_ms(browser, base_url, email)
            print("[bench] first page only ...", flush=True)
            _, first_page = await open_leads(browser, base_url, email)
            await hold_further_pages(first_page, released)
            print("[bench] loading every page by scrolling ...", flush=True)
            started = time.perf_counter()
            _, every_page = await open_leads(browser, base_url, email)
            first_shown = time.perf_counter() - started
            loading = await load_every_page(every_page)
            baseline = Sweep(first_page, PACE_PX_PER_S)
            full = Sweep(every_page, PACE_PX_PER_S)
            print(f"[bench] scrolling both by turns, {seconds:.0f} s each ...", flush=True)
            for sweep in (baseline, full):
                await sweep.scroll(WARMUP_S, measured=False)
            for _ in range(ROUNDS):
                await baseline.scroll(seconds / ROUNDS)
                await full.scroll(seconds / ROUNDS)
            return {
                "chromium": browser.version,
                "dashboard_ready_ms": round(dashboard_ms, 1),
                "first_page": {**baseline.result(), "rows": await rows_loaded(first_page)},
                "all_rows": {
                    **full.result(),
                    "rows": loading["rows"],
                    "first_page_s": round(first_shown, 2),
                    "load_all": loading,
                },
            }
        finally:
            released.set()
            await browser.close()


def figures(measured: dict[str, Any], rows: int) -> list[Figure]:
    """Frame times, DOM rows and heap at every row against the first page; load time."""
    full, first = measured["all_rows"], measured["first_page"]
    at, base = full["frames"], first["frames"]
    name = f"leads list in Chromium, {rows:,} rows"
    label = f"first page only ({first['rows']} rows)"
    p95_ratio = at.p95_ms / base.p95_ms
    dom_ratio = at.max_dom_rows / base.max_dom_rows

    def frames(metric: str, value: float, baseline: float) -> Figure:
        return Figure(name, metric, "ms", value, baseline, label)

    loading = full["load_all"]
    return [
        frames("frame time p50", at.p50_ms, base.p50_ms),
        Figure(
            name,
            "frame time p95",
            "ms",
            at.p95_ms,
            base.p95_ms,
            label,
            target=f"<= {MAX_P95_RATIO}x first page",
            met=p95_ratio <= MAX_P95_RATIO,
            note=(
                f"steady scroll at {PACE_PX_PER_S:,.0f} px/s top to bottom and back,"
                f" {at.frames} frames at {rows:,} rows, {base.frames} at the first page"
            ),
        ),
        frames("frame time p99", at.p99_ms, base.p99_ms),
        frames("frame time max", at.max_ms, base.max_ms),
        Figure(
            name,
            "frames over 50 ms",
            "%",
            round(at.jank_share * 100, 2),
            round(base.jank_share * 100, 2),
            label,
        ),
        Figure(
            name,
            "row elements in the DOM, max",
            "rows",
            at.max_dom_rows,
            base.max_dom_rows,
            label,
            target=f"<= {MAX_DOM_RATIO}x first page",
            met=dom_ratio <= MAX_DOM_RATIO,
        ),
        Figure(name, "JS heap used", "MB", full["heap_mb"], first["heap_mb"], label),
        Figure(
            "console in Chromium",
            "dashboard figures shown after the log-in",
            "ms",
            measured["dashboard_ready_ms"],
            None,
            "",
            target=f"<= {DASHBOARD_READY_TARGET_MS:.0f} ms",
            met=measured["dashboard_ready_ms"] <= DASHBOARD_READY_TARGET_MS,
        ),
        Figure(
            name,
            "all pages loaded by scrolling",
            "s",
            loading["seconds"],
            full["first_page_s"],
            "log-in to first page shown",
            note=(
                f"{loading['page_requests']} list requests; while loading: frame p95"
                f" {loading['frames'].p95_ms} ms, max {loading['frames'].max_ms} ms,"
                f" {loading['frames'].jank_share * 100:.1f}% of frames over 50 ms"
            ),
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    """Import, then measure in Chromium; returns 1 if a step failed."""
    parser = argparse.ArgumentParser(prog="python -m bench.console_scroll")
    parser.add_argument("--quick", action="store_true", help="2,000 leads, short scrolls")
    parser.add_argument("--keep-workdir", action="store_true", help="keep logs and data")
    args = parser.parse_args(argv)
    rows, seconds = mode(quick=args.quick)

    def steps(stack: Stack, workdir: Path, results: Results) -> None:
        run = Run(
            stack=stack,
            minter=TokenMinter(),
            sizes=Sizes.for_mode(quick=args.quick),
            tool="playwright",
            workdir=workdir,
        )
        print("[bench] building the console (when stale) ...", flush=True)
        dist = build_console(WEB, workdir / "console-build.log")
        tenant = unique_name("bench_console_")
        email = f"admin@{tenant.replace('_', '-')}.example.com"
        gateway = console_gateway_settings(
            dist, admin_email=email, password=PASSWORD, tenant=tenant
        )
        names = [spec.name for spec in available_services()]
        urls = start_services(stack, run, names, service_settings={"gateway": gateway})
        print(f"[bench] importing {rows:,} leads ...", flush=True)
        results.details["import"] = asyncio.run(import_leads(urls["gateway"], email, rows))
        measured = asyncio.run(measure(urls["gateway"], email, seconds))
        results.details["browser"] = _plain(measured)
        results.figures = figures(measured, rows)

    return run_benchmark("console_scroll", steps, quick=args.quick, keep_workdir=args.keep_workdir)


def _plain(value: Any) -> Any:
    """``value`` with its FrameStats as dicts (for the JSON)."""
    if isinstance(value, FrameStats):
        return asdict(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


if __name__ == "__main__":
    sys.exit(main())
