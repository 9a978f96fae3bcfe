"""Debian's Chromium as the browser tests and benchmarks launch it (through Playwright,
headless; no ``playwright install``)."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium (``make chromium`` installs it)."""
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
"""Launch arguments: no sandbox (containers), no GPU, no background traffic."""
