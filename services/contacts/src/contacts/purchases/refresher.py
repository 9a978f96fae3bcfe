"""The background RFM refresher: re-ranks the tenants whose customers' stats changed.

It wakes periodically, takes at most ``rfm_refresh_tenants`` tenants marked dirty and
re-ranks each (``service.rerank_tenant``). A tenant changed again meanwhile stays dirty for
the next round.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from contacts.purchases.repository import RfmStateRepository
from contacts.purchases.service import rerank_tenant
from contacts.settings import ContactsSettings
from crm_shared.runtime import Runtime

log = logging.getLogger(__name__)


class RfmRefresher:
    """Periodically re-ranks the tenants whose customers' stats changed."""

    def __init__(self, rt: Runtime, settings: ContactsSettings) -> None:
        self._rt = rt
        self._settings = settings
        self._task: asyncio.Task[None] | None = None

    async def refresh_once(self) -> int:
        """One round: re-rank up to ``rfm_refresh_tenants`` dirty tenants; returns how many."""
        dirty = await RfmStateRepository(self._rt.db).dirty(self._settings.rfm_refresh_tenants)
        for tenant_id, dirty_at in dirty:
            await rerank_tenant(
                self._rt,
                tenant_id,
                batch_size=self._settings.rfm_batch_size,
                seen_dirty_at=dirty_at,
            )
        return len(dirty)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._settings.rfm_refresh_interval_s)
            try:
                await self.refresh_once()
            except Exception:
                log.exception("RFM refresh failed; retrying next round")

    def start(self) -> None:
        """Start the periodic loop."""
        self._task = asyncio.create_task(self._loop(), name="rfm-refresher")

    async def stop(self) -> None:
        """Stop the loop (a round in progress is abandoned; the tenant stays dirty)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
