"""A short-lived per-tenant cache of what a service reads on hot paths (its tenants'
configuration, rules, subscriptions), so a request or an event does not pay a database
round trip for data that rarely changes.

Changes made through this process invalidate the tenant's entry at once (call
:meth:`TenantCache.invalidate` after the change commits); other instances of the service
see a change within ``ttl_s``. One read per tenant is in flight at a time, whoever asks,
and a read that started before an invalidation is not kept.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class TenantCache(Generic[T]):
    """``load(tenant_id)`` results by tenant, re-read after ``ttl_s``."""

    def __init__(
        self,
        load: Callable[[str], Awaitable[T]],
        *,
        ttl_s: float,
        max_tenants: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._ttl_s = ttl_s
        self._max_tenants = max_tenants
        self._clock = clock
        self._entries: dict[str, tuple[float, T]] = {}
        self._generation: dict[str, int] = {}
        self._loading: dict[str, asyncio.Future[T]] = {}
        self.loads = 0
        """Reads made so far (for tests and metrics)."""

    def invalidate(self, tenant_id: str) -> None:
        """Forget a tenant's entry (call once a change to it has committed)."""
        self._entries.pop(tenant_id, None)
        self._generation[tenant_id] = self._generation.get(tenant_id, 0) + 1

    async def get(self, tenant_id: str) -> T:
        """The tenant's value: cached while fresh, else read once for every caller."""
        entry = self._entries.get(tenant_id)
        if entry is not None and entry[0] > self._clock():
            return entry[1]
        loading = self._loading.get(tenant_id)
        if loading is not None:
            return await asyncio.shield(loading)
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._loading[tenant_id] = future
        generation = self._generation.get(tenant_id, 0)
        try:
            self.loads += 1
            value = await self._load(tenant_id)
            future.set_result(value)
        except BaseException as exc:
            if isinstance(exc, Exception):
                future.set_exception(exc)
                future.exception()  # marked retrieved: only the waiters need it
            raise
        finally:
            del self._loading[tenant_id]
            if not future.done():  # cancelled while reading
                future.cancel()
        if generation == self._generation.get(tenant_id, 0):  # not changed while reading
            if len(self._entries) >= self._max_tenants:
                self._entries.clear()
            self._entries[tenant_id] = (self._clock() + self._ttl_s, value)
        return value
