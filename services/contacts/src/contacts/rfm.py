"""RFM ranking: live scores for one contact, and the background refresher that re-ranks a
tenant's customers after their stats changed (so ``rfm_segment`` works as a list filter).

The refresher wakes periodically, takes at most ``rfm_refresh_tenants`` tenants marked
dirty, recomputes each tenant's quintile breakpoints from its customers, and rewrites the
segments that moved in transactions of ``rfm_batch_size`` contacts, publishing
ContactUpdated for each. A tenant changed again meanwhile stays dirty for the next round.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from contacts.domain import (
    Breakpoints,
    breakpoints,
    customer_point,
    historical_clv,
    score_customer,
)
from contacts.repo_contacts import ContactRepository
from contacts.repo_purchases import RfmStateRepository
from contacts.settings import ContactsSettings
from contacts.views import contact_snapshot
from crm_shared.errors import NotFound, VersionConflict
from crm_shared.events.catalogue import ContactUpdated, EventData
from crm_shared.fields import from_bson
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx

log = logging.getLogger(__name__)


async def tenant_breakpoints(rt: Runtime, tenant_id: str) -> tuple[Breakpoints, list[Document]]:
    """Fresh breakpoints from every customer of the tenant, and those customers."""
    customers = [from_bson(c) async for c in ContactRepository(rt.db, tenant_id).customers()]
    points = [customer_point(c) for c in customers if c.get("last_purchase_at")]
    return breakpoints(points), customers


async def live_rfm(
    rt: Runtime, settings: ContactsSettings, contact: Document, *, now: datetime
) -> dict[str, Any]:
    """A contact's RFM scores, segment and CLV against the tenant's current breakpoints
    (computed on the spot when the tenant was never ranked)."""
    stats = from_bson(contact)
    body: dict[str, Any] = {
        "contact_id": contact["_id"],
        "customer": bool(stats.get("purchase_count")),
        "frequency": int(stats.get("purchase_count") or 0),
        "monetary": str(stats.get("purchase_total") or 0),
        "currency": settings.default_currency,
    }
    if not body["customer"] or stats.get("last_purchase_at") is None:
        return body
    state = RfmStateRepository(rt.db)
    bp, computed_at = await state.breakpoints(contact["tenant_id"])
    if bp is None:
        bp, _ = await tenant_breakpoints(rt, contact["tenant_id"])
        computed_at = now
    scores = score_customer(*customer_point(stats), bp)
    clv = historical_clv(
        total=stats["purchase_total"],
        count=stats["purchase_count"],
        first_purchase_at=stats["first_purchase_at"],
        now=now,
        lifespan_years=settings.clv_lifespan_years,
    )
    body.update(
        recency_days=max((now - stats["last_purchase_at"]).days, 0),
        r=scores.r,
        f=scores.f,
        m=scores.m,
        fm=scores.fm,
        segment=scores.segment,
        clv=str(clv),
        customers_ranked=bp.customers,
        breakpoints_at=computed_at,
    )
    return body


async def _apply_segments(
    tx: Tx, repo: ContactRepository, moves: list[tuple[Document, str]]
) -> None:
    events: list[EventData] = []
    for contact, segment in moves:
        try:
            doc = await repo.update(
                contact["_id"],
                contact["version"],
                {"$set": {"rfm_segment": segment}},
                session=tx.session,
            )
        except (VersionConflict, NotFound):
            continue  # changed meanwhile: that change re-marked the tenant dirty
        events.append(
            ContactUpdated(
                contact_id=doc["_id"], contact=contact_snapshot(doc), changed_fields=["rfm_segment"]
            )
        )
    await tx.emit_many(events, tenant_id=repo.tenant_id)


async def rerank_tenant(
    rt: Runtime, tenant_id: str, *, batch_size: int, seen_dirty_at: datetime | None = None
) -> int:
    """Recompute the tenant's breakpoints and rewrite moved segments; returns the moves."""
    bp, customers = await tenant_breakpoints(rt, tenant_id)
    await RfmStateRepository(rt.db).save(tenant_id, bp, seen_dirty_at=seen_dirty_at)
    moves = [
        (c, segment)
        for c in customers
        if c.get("last_purchase_at")
        and (segment := score_customer(*customer_point(c), bp).segment) != c.get("rfm_segment")
    ]
    repo = ContactRepository(rt.db, tenant_id)
    for start in range(0, len(moves), batch_size):
        batch = moves[start : start + batch_size]

        async def work(tx: Tx, batch: list[tuple[Document, str]] = batch) -> None:
            await _apply_segments(tx, repo, batch)

        await rt.uow.run(work)
    return len(moves)


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
