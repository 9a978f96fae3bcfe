"""Handlers of the events the contacts service consumes (one consumer group)."""

from __future__ import annotations

from contacts.conversion import on_lead_converted
from contacts.purchases import record_closed_deal, reopen_won_deal
from contacts.settings import ContactsSettings
from crm_shared.events.catalogue import DealLost, DealStageChanged, DealWon
from crm_shared.events.envelope import CloudEvent
from crm_shared.kafka.consumer import ConsumerSpec, Handler
from crm_shared.uow import Tx


def consumer_specs(settings: ContactsSettings) -> list[ConsumerSpec]:
    """LeadConverted from the leads topic; DealWon, DealLost, DealStageChanged from deals."""
    currency = settings.default_currency

    async def on_deal_won(envelope: CloudEvent, event: DealWon, tx: Tx) -> None:
        """Count the won deal as a purchase of each of its contacts."""
        await record_closed_deal(tx, envelope.tenantid, event, won=True, currency=currency)

    async def on_deal_lost(envelope: CloudEvent, event: DealLost, tx: Tx) -> None:
        """Count the lost deal for each of its contacts (replacing an earlier win)."""
        await record_closed_deal(tx, envelope.tenantid, event, won=False, currency=currency)

    async def on_deal_stage_changed(envelope: CloudEvent, event: DealStageChanged, tx: Tx) -> None:
        """A reopened win no longer counts as a purchase."""
        if event.was_won:
            await reopen_won_deal(tx, envelope.tenantid, event, currency)

    handlers: dict[str, Handler] = {
        "LeadConverted": on_lead_converted,
        "DealWon": on_deal_won,
        "DealLost": on_deal_lost,
        "DealStageChanged": on_deal_stage_changed,
    }
    return [
        ConsumerSpec(
            group=settings.service_name,
            topics=[settings.topic("leads"), settings.topic("deals")],
            handlers=handlers,
        )
    ]
