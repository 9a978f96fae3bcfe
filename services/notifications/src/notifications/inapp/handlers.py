"""The in-app consumer group: events that become notifications (thin: rules + a use case).

A group of its own (``notifications-inapp``), so in-app notifications keep flowing
whatever the e-mail and webhook consumers are doing, and each group's offsets say how far
that channel got.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crm_shared.events.envelope import CloudEvent
from crm_shared.kafka.consumer import ConsumerSpec, Handler
from crm_shared.settings import ServiceSettings
from crm_shared.uow import Tx
from notifications.inapp import domain
from notifications.inapp.domain import Draft
from notifications.inapp.service import notify

GROUP_SUFFIX = "inapp"


def _handler(rule: Callable[[Any], Draft | None]) -> Handler:
    """A handler storing the notification ``rule`` drafts for an event (if any)."""

    async def handle(envelope: CloudEvent, event: Any, tx: Tx) -> None:
        draft = rule(event)
        if draft is not None:
            await notify(tx, tenant_id=envelope.tenantid, source_event_id=envelope.id, draft=draft)

    handle.__doc__ = f"Notify as ``{rule.__name__}`` says."
    return handle


def consumer_spec(settings: ServiceSettings) -> ConsumerSpec:
    """Lead assignments, deal stage moves, urgent cases and automations' requests, in their
    own consumer group."""
    return ConsumerSpec(
        group=f"{settings.service_name}-{GROUP_SUFFIX}",
        topics=[
            settings.topic("leads"),
            settings.topic("deals"),
            settings.topic("contacts"),
            settings.topic("campaigns"),
        ],
        handlers={
            "LeadAssigned": _handler(domain.lead_assigned),
            "DealStageChanged": _handler(domain.deal_stage_changed),
            "CaseOpened": _handler(domain.case_opened),
            "UserNotificationRequested": _handler(domain.user_notification_requested),
        },
    )
