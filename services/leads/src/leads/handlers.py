"""Handlers of the events the leads service consumes."""

from __future__ import annotations

from crm_shared.events.catalogue import DealStageChanged
from crm_shared.events.envelope import CloudEvent
from crm_shared.kafka.consumer import ConsumerSpec, Handler
from crm_shared.settings import ServiceSettings
from crm_shared.uow import Tx
from leads.repository import LeadRepository


async def on_deal_stage_changed(envelope: CloudEvent, event: DealStageChanged, tx: Tx) -> None:
    """Close the loop on a converted lead: remember its deal and the deal's outcome."""
    if not event.source_lead_id:
        return
    outcome = "won" if event.is_won else "lost" if event.is_lost else "open"
    await LeadRepository(tx.db, envelope.tenantid).record_deal_progress(
        event.source_lead_id,
        deal_id=event.deal_id,
        stage=event.to_stage,
        outcome=outcome,
        session=tx.session,
    )


def consumer_specs(settings: ServiceSettings) -> list[ConsumerSpec]:
    """The leads service's consumer group: deal stage changes."""
    handlers: dict[str, Handler] = {"DealStageChanged": on_deal_stage_changed}
    return [
        ConsumerSpec(
            group=settings.service_name, topics=[settings.topic("deals")], handlers=handlers
        )
    ]
