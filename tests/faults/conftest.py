"""Fixtures of the fault suite: servers and service processes started for each scenario."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from crm_devstack.testing import Backend, TokenMinter

from .platform import FaultPlatform
from .servers import ScenarioServers


@contextlib.asynccontextmanager
async def scenario(
    backend: Backend, minter: TokenMinter, workdir: Path
) -> AsyncIterator[FaultPlatform]:
    """Servers of the scenario's own (embedded and containers backends) and no services
    yet (the scenario starts the ones it needs); everything is stopped at the end,
    processes by PID and containers by id."""
    # in a worker thread: starting containers takes a while, and the session's event
    # loop may be running other tests' background tasks
    servers = await asyncio.to_thread(ScenarioServers, workdir / "servers", backend)
    try:
        platform = FaultPlatform(servers, minter, workdir)
        try:
            yield platform
        finally:
            await platform.close()
    finally:
        await asyncio.to_thread(servers.close)


@pytest.fixture
async def platform(
    backend: Backend, minter: TokenMinter, tmp_path: Path
) -> AsyncIterator[FaultPlatform]:
    """One scenario's servers; the test starts its services."""
    async with scenario(backend, minter, tmp_path) as started:
        yield started
