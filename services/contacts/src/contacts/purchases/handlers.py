"""Handlers of the deal events that change purchase stats (``currency`` is the service's
default currency, bound when the consumer is built)."""

from __future__ import annotations

from contacts.purchases.service import record_closed_deal, reopen_won_deal
from crm_shared.events.catalogue import DealLost, DealStageChanged, DealWon
from crm_shared.events.envelope import CloudEvent
from crm_shared.uow import Tx


async def on_deal_won(envelope: CloudEvent, event: DealWon, tx: Tx, *, currency: str) -> None:
    """Count the won deal as a purchase of each of its contacts."""
    await record_closed_deal(tx, envelope.tenantid, event, won=True, currency=currency)


async def on_deal_lost(envelope: CloudEvent, event: DealLost, tx: Tx, *, currency: str) -> None:
    """Count the lost deal for each of its contacts (replacing an earlier win)."""
    await record_closed_deal(tx, envelope.tenantid, event, won=False, currency=currency)


async def on_deal_stage_changed(
    envelope: CloudEvent, event: DealStageChanged, tx: Tx, *, currency: str
) -> None:
    """A reopened win no longer counts as a purchase."""
    if event.was_won:
        await reopen_won_deal(tx, envelope.tenantid, event, currency)
