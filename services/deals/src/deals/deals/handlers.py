"""Handlers of the events the deals service consumes (thin: they call a use case)."""

from __future__ import annotations

from crm_shared.events.catalogue import (
    ContactCreated,
    ContactDeleted,
    ContactUpdated,
    LeadConverted,
)
from crm_shared.events.envelope import CloudEvent
from crm_shared.kafka.consumer import ConsumerSpec, Handler
from crm_shared.settings import ServiceSettings
from crm_shared.uow import Tx
from deals.conversion import create_from_lead, project_contact, remove_contact


async def on_lead_converted(envelope: CloudEvent, event: LeadConverted, tx: Tx) -> None:
    """Open the deal the conversion asked for (if any)."""
    await create_from_lead(tx, envelope.tenantid, event)


async def on_contact_changed(
    envelope: CloudEvent, event: ContactCreated | ContactUpdated, tx: Tx
) -> None:
    """Project the contact; link it to its converted lead's deal."""
    await project_contact(tx, envelope.tenantid, event.contact, event.converted_lead_id)


async def on_contact_deleted(envelope: CloudEvent, event: ContactDeleted, tx: Tx) -> None:
    """Drop the contact; deals point at the contact it was merged into."""
    await remove_contact(tx, envelope.tenantid, event.contact_id, event.merged_into)


def consumer_specs(settings: ServiceSettings) -> list[ConsumerSpec]:
    """The deals service's consumer group: lead conversions and contact changes."""
    handlers: dict[str, Handler] = {
        "LeadConverted": on_lead_converted,
        "ContactCreated": on_contact_changed,
        "ContactUpdated": on_contact_changed,
        "ContactDeleted": on_contact_deleted,
    }
    return [
        ConsumerSpec(
            group=settings.service_name,
            topics=[settings.topic("leads"), settings.topic("contacts")],
            handlers=handlers,
        )
    ]
