"""Purchase stats from deal outcomes: DealWon / DealLost record one row per deal x contact,
a reopened win (DealStageChanged ``was_won``) removes it, and the contact's stats, stage and
RFM segment are recomputed from its rows (so redelivery and reopening are always safe)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from contacts.domain import Breakpoints, DealOutcome, purchase_stats, segment_of, stage_after_stats
from contacts.repo_contacts import ContactRepository, stats_to_bson
from contacts.repo_purchases import PurchaseRepository, RfmStateRepository
from contacts.views import contact_snapshot
from crm_shared.events.catalogue import ContactUpdated, DealLost, DealStageChanged, DealWon
from crm_shared.fields import from_bson
from crm_shared.mongo.scoped import Document
from crm_shared.uow import Tx


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
