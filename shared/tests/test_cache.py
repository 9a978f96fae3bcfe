"""The per-tenant cache: fresh entries served, one read per tenant at a time, changes seen."""

from __future__ import annotations

import asyncio

from crm_shared.cache import TenantCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_entries_are_served_until_they_expire_or_are_invalidated() -> None:
    clock, stored = Clock(), {"t1": 1}

    async def load(tenant: str) -> int:
        return stored[tenant]

    cache = TenantCache(load, ttl_s=2.0, clock=clock)
    assert await cache.get("t1") == 1
    stored["t1"] = 2
    clock.now = 1.9
    assert await cache.get("t1") == 1 and cache.loads == 1
    clock.now = 2.1
    assert await cache.get("t1") == 2 and cache.loads == 2
    stored["t1"] = 3
    cache.invalidate("t1")
    assert await cache.get("t1") == 3 and cache.loads == 3


async def test_one_read_per_tenant_at_a_time_and_a_read_older_than_a_change_is_not_kept() -> None:
    release = asyncio.Event()
    stored = {"t1": "old"}

    async def load(tenant: str) -> str:
        value = stored[tenant]
        await release.wait()
        return value

    cache = TenantCache(load, ttl_s=60.0)
    readers = [asyncio.create_task(cache.get("t1")) for _ in range(5)]
    await asyncio.sleep(0)
    stored["t1"] = "new"
    cache.invalidate("t1")  # changed while the first read was under way
    release.set()
    assert await asyncio.gather(*readers) == ["old"] * 5 and cache.loads == 1
    assert await cache.get("t1") == "new" and cache.loads == 2
