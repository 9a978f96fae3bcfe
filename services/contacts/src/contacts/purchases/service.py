"""Purchase stats and RFM use cases.

DealWon / DealLost record one row per deal x contact, a reopened win (DealStageChanged
``was_won``) removes it, and the contact's stats, stage and RFM segment are recomputed from
its rows (so redelivery and reopening are always safe). RFM: live scores for one contact,
and the re-ranking of a tenant's customers after their stats changed (so ``rfm_segment``
works as a list filter): fresh quintile breakpoints, then the segments that moved are
rewritten in transactions of ``batch_size`` contacts, publishing ContactUpdated for each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from contacts.contacts.repository import ContactRepository, stats_to_bson
from contacts.contacts.views import contact_snapshot
from contacts.purchases.domain import (
    Breakpoints,
    DealOutcome,
    breakpoints,
    customer_point,
    historical_clv,
    purchase_stats,
    score_customer,
    segment_of,
    stage_after_stats,
)
from contacts.purchases.repository import PurchaseRepository, RfmStateRepository
from contacts.settings import settings_of
from crm_shared.auth import Access
from crm_shared.errors import NotFound, VersionConflict
from crm_shared.events.catalogue import (
    ContactUpdated,
    DealLost,
    DealStageChanged,
    DealWon,
    EventData,
)
from crm_shared.fields import from_bson
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx

# --------------------------------------------------------------------------- purchase stats


def refreshed_stats(
    contact: Mapping[str, Any],
    outcomes: Sequence[DealOutcome],
    bp: Breakpoints | None,
    currency: str,
) -> tuple[Document, list[str]]:
    """The stats, stage and segment fields to store (BSON-ready) and which of them change."""
    stats = purchase_stats(outcomes, currency)
    fields: Document = {
        **stats,
        "lifecycle_stage": stage_after_stats(contact["lifecycle_stage"], stats["purchase_count"]),
        "rfm_segment": segment_of(stats, bp),
    }
    changed = sorted(k for k, v in fields.items() if from_bson(contact.get(k)) != v)
    return stats_to_bson(fields), changed


async def refresh_contact(tx: Tx, tenant_id: str, contact_id: str, currency: str) -> None:
    """Recompute one contact's stats from its deal rows; publish ContactUpdated if they
    changed. Contacts deleted meanwhile are skipped."""
    contacts = ContactRepository(tx.db, tenant_id)
    current = await contacts.items.find_one({"_id": contact_id}, session=tx.session)
    if current is None:
        return
    outcomes = await PurchaseRepository(tx.db, tenant_id).of_contact(contact_id, session=tx.session)
    state = RfmStateRepository(tx.db)
    bp, _ = await state.breakpoints(tenant_id, session=tx.session)
    fields, changed = refreshed_stats(current, outcomes, bp, currency)
    if not changed:
        return
    doc = await contacts.set_server_fields(contact_id, fields, session=tx.session)
    if doc is None:
        return
    await state.mark_dirty(tenant_id, session=tx.session)
    await tx.emit(
        ContactUpdated(
            contact_id=contact_id, contact=contact_snapshot(doc), changed_fields=changed
        ),
        tenant_id=tenant_id,
    )


async def record_closed_deal(
    tx: Tx, tenant_id: str, event: DealWon | DealLost, *, won: bool, currency: str
) -> None:
    """Upsert the deal's outcome for each of its contacts and refresh their stats."""
    rows = PurchaseRepository(tx.db, tenant_id)
    for contact_id in dict.fromkeys(event.contact_ids):
        await rows.record(
            deal_id=event.deal_id,
            contact_id=contact_id,
            won=won,
            amount=event.amount,
            currency=event.currency,
            closed_at=event.closed_at,
            session=tx.session,
        )
        await refresh_contact(tx, tenant_id, contact_id, currency)


async def reopen_won_deal(tx: Tx, tenant_id: str, event: DealStageChanged, currency: str) -> None:
    """A deal left Closed Won: drop its purchases and refresh their contacts."""
    removed = await PurchaseRepository(tx.db, tenant_id).remove_won(
        event.deal_id, session=tx.session
    )
    for contact_id in dict.fromkeys(removed):
        await refresh_contact(tx, tenant_id, contact_id, currency)


# --------------------------------------------------------------------------- RFM


async def tenant_breakpoints(rt: Runtime, tenant_id: str) -> tuple[Breakpoints, list[Document]]:
    """Fresh breakpoints from every customer of the tenant, and those customers."""
    customers = [from_bson(c) async for c in ContactRepository(rt.db, tenant_id).customers()]
    points = [customer_point(c) for c in customers if c.get("last_purchase_at")]
    return breakpoints(points), customers


async def live_rfm(rt: Runtime, contact: Document, *, now: datetime) -> dict[str, Any]:
    """A contact's RFM scores, segment and CLV against the tenant's current breakpoints
    (computed on the spot when the tenant was never ranked)."""
    settings = settings_of(rt)
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


async def contact_rfm(
    rt: Runtime, access: Access, contact_id: str, *, now: datetime
) -> dict[str, Any]:
    """Live RFM scores, segment and historical CLV of one contact of the caller's tenant."""
    contact = await ContactRepository(rt.db, access.tenant_id).get(contact_id)
    return await live_rfm(rt, contact, now=now)


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

    async def save(tx: Tx) -> None:
        await RfmStateRepository(tx.db).save(
            tenant_id, bp, seen_dirty_at=seen_dirty_at, session=tx.session
        )

    await rt.uow.run(save)
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
