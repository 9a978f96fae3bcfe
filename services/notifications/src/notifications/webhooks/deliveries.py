"""Webhook deliveries: jobs of the ``crm_shared.delivery_queue`` whose documents double as the
delivery log (status, attempts, the exact body sent). Finished ones expire after 30 days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from bson import Binary
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.delivery_queue import queue_indexes
from crm_shared.errors import NotFound
from crm_shared.events.envelope import CloudEvent
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.listing import cursor_page
from crm_shared.mongo.pagination import SortKeys
from crm_shared.mongo.scoped import Document, TenantCollection
from notifications.webhooks.domain import delivery_id, ordering_group

DELIVERIES: Final = "webhook_deliveries"
RETENTION: Final = timedelta(days=30)
NEWEST_FIRST: SortKeys = (("created_at", DESCENDING), ("_id", DESCENDING))
MAX_LOGGED_ATTEMPTS: Final = 50

INDEXES = [
    *queue_indexes(DELIVERIES),
    CollectionIndexes(
        DELIVERIES,
        [
            index(
                [("tenant_id", ASCENDING), ("subscription_id", ASCENDING), *NEWEST_FIRST],
                name="tenant_subscription_created",
            ),
            index(
                [("finished_at", ASCENDING)],
                name="finished_ttl",
                expireAfterSeconds=int(RETENTION.total_seconds()),
            ),
        ],
    ),
]


def delivery_job(subscription_id: str, envelope: CloudEvent, body: bytes) -> Document:
    """The queue job delivering one event to one subscription: idempotent per (subscription,
    event), ordered behind earlier events of the same aggregate."""
    return {
        "_id": delivery_id(subscription_id, envelope.id),
        "tenant_id": envelope.tenantid,
        "group": ordering_group(subscription_id, envelope.subject),
        "subscription_id": subscription_id,
        "event_id": envelope.id,
        "event_type": envelope.type,
        "body": Binary(body),
        "attempt_log": [],
    }


def logged_attempts(job: Document, attempt: Document) -> list[Document]:
    """The job's attempt log with ``attempt`` added (the latest ``MAX_LOGGED_ATTEMPTS``)."""
    return [*job.get("attempt_log", []), attempt][-MAX_LOGGED_ATTEMPTS:]


class DeliveryLog:
    """The deliveries of one tenant, for the API."""

    def __init__(self, db: AsyncDatabase[Document], tenant_id: str) -> None:
        self.deliveries = TenantCollection(db[DELIVERIES], tenant_id, "delivery")

    async def get(self, subscription_id: str, id_: str) -> Document:
        """One delivery of the subscription, or NotFound."""
        found = await self.deliveries.find_one({"_id": id_, "subscription_id": subscription_id})
        if found is None:
            raise NotFound(f"delivery {id_} not found")
        return found

    async def page(
        self,
        subscription_id: str,
        *,
        limit: int,
        cursor: str | None,
        query_fingerprint: str,
        windowed: bool,
    ) -> tuple[list[Document], str | None]:
        """A page of the subscription's deliveries, newest first."""
        query: dict[str, Any] = {"subscription_id": subscription_id}
        return await cursor_page(
            self.deliveries,
            query,
            NEWEST_FIRST,
            limit=limit,
            cursor=cursor,
            query_fingerprint=query_fingerprint,
            windowed=windowed,
        )
