"""Use cases of e-mail deliveries: read the delivery records, and record a batch of send
outcomes with their NotificationSent / NotificationFailed events in one transaction."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from crm_shared.auth import Access
from crm_shared.delivery_queue import DeliveryQueue, Job, Outcome
from crm_shared.events.catalogue import EventData, NotificationFailed, NotificationSent
from crm_shared.ids import utcnow
from crm_shared.mongo.pagination import fingerprint
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx, UnitOfWork
from notifications.email.repository import NEWEST_FIRST, EmailDeliveryRepository, EmailFilter
from notifications.email.schemas import EmailQuery

INTERRUPTED = "interrupted while sending; not resent to avoid a duplicate"


async def list_deliveries(
    rt: Runtime, access: Access, query: EmailQuery, *, limit: int, windowed: bool
) -> tuple[list[Document], str | None]:
    """A page of the tenant's deliveries matching ``query``, newest first."""
    filter_ = EmailFilter(status=query.status, campaign_id=query.campaign_id, to=query.to)
    return await EmailDeliveryRepository(rt.db, access.tenant_id).page(
        filter_,
        NEWEST_FIRST,
        limit=limit,
        cursor=query.cursor,
        query_fingerprint=fingerprint("emails", access.tenant_id, filter_.to_query()),
        windowed=windowed,
    )


async def get_delivery(rt: Runtime, access: Access, request_id: str) -> Document:
    """One delivery by the request id of its EmailRequested event."""
    return await EmailDeliveryRepository(rt.db, access.tenant_id).get(request_id)


async def record_outcomes(uow: UnitOfWork, queue: DeliveryQueue, outcomes: list[Outcome]) -> None:
    """Record a batch of outcomes and their events in one transaction."""

    async def work(tx: Tx) -> None:
        applied = await queue.finish(outcomes, session=tx.session)
        by_tenant: dict[str, list[EventData]] = defaultdict(list)
        for outcome in applied:
            event = outcome_event(outcome)
            if event is not None:
                by_tenant[outcome.job.tenant_id].append(event)
        for tenant_id, events in by_tenant.items():
            await tx.emit_many(events, tenant_id=tenant_id)

    await uow.run(work)


async def fail_interrupted(uow: UnitOfWork, queue: DeliveryQueue, jobs: list[Job]) -> None:
    """Deliveries whose sender died mid-send may have gone out: fail, never resend."""
    now = utcnow()
    await record_outcomes(
        uow,
        queue,
        [Outcome.failed(job, error=INTERRUPTED, permanent=False, failed_at=now) for job in jobs],
    )


def outcome_event(outcome: Outcome) -> EventData | None:
    """NotificationSent or NotificationFailed for a final outcome (None for a retry)."""
    doc = outcome.job.doc
    common: dict[str, Any] = {
        "notification_id": outcome.job.id,
        "channel": "email",
        "request_id": outcome.job.id,
        "recipient": doc["to"],
        "campaign_id": doc.get("campaign_id"),
        "automation_id": doc.get("automation_id"),
        "contact_id": doc.get("contact_id"),
        "attempts": outcome.job.attempts,
    }
    if outcome.status == "done":
        return NotificationSent(**common, sent_at=outcome.fields["sent_at"])
    if outcome.status == "failed":
        return NotificationFailed(
            **common,
            error=str(outcome.fields["error"]),
            permanent=bool(outcome.fields["permanent"]),
            failed_at=outcome.fields["failed_at"],
        )
    return None
