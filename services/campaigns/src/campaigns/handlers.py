"""Handlers of the events the campaigns service consumes (thin: they call a use case)."""

from __future__ import annotations

from campaigns.attribution import record_conversion, record_delivery, record_lead, record_win
from campaigns.audience.handlers import (
    on_account_created,
    on_contact_created,
    on_contact_deleted,
    on_contact_updated,
)
from crm_shared.events.catalogue import (
    DealWon,
    LeadConverted,
    LeadCreated,
    NotificationFailed,
    NotificationSent,
)
from crm_shared.events.envelope import CloudEvent
from crm_shared.kafka.consumer import ConsumerSpec, Handler
from crm_shared.settings import ServiceSettings
from crm_shared.uow import Tx


async def on_lead_created(envelope: CloudEvent, event: LeadCreated, tx: Tx) -> None:
    """Count a lead for its campaign."""
    await record_lead(tx, envelope.tenantid, event)


async def on_lead_converted(envelope: CloudEvent, event: LeadConverted, tx: Tx) -> None:
    """Count a conversion for the lead's campaign."""
    await record_conversion(tx, envelope.tenantid, event)


async def on_deal_won(envelope: CloudEvent, event: DealWon, tx: Tx) -> None:
    """Attribute a won deal's revenue to its campaign."""
    await record_win(tx, envelope.tenantid, event)


async def on_notification(
    envelope: CloudEvent, event: NotificationSent | NotificationFailed, tx: Tx
) -> None:
    """A campaign e-mail's delivery outcome."""
    await record_delivery(tx, envelope.tenantid, event)


def consumer_specs(settings: ServiceSettings) -> list[ConsumerSpec]:
    """The campaigns service's consumer group."""
    handlers: dict[str, Handler] = {
        "ContactCreated": on_contact_created,
        "ContactUpdated": on_contact_updated,
        "ContactDeleted": on_contact_deleted,
        "AccountCreated": on_account_created,
        "LeadCreated": on_lead_created,
        "LeadConverted": on_lead_converted,
        "DealWon": on_deal_won,
        "NotificationSent": on_notification,
        "NotificationFailed": on_notification,
    }
    return [
        ConsumerSpec(
            group=settings.service_name,
            topics=[settings.topic(t) for t in ("leads", "contacts", "deals", "notifications")],
            handlers=handlers,
        )
    ]
