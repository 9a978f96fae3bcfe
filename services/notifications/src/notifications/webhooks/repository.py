"""Webhook storage of one tenant: the subscriptions (the only module that stores them), and
the read side of the deliveries, which are jobs of the ``crm_shared.delivery_queue`` whose
documents double as the delivery log (status, attempts, the exact body sent). Deliveries are
written by the queue only; finished ones expire after 30 days."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from bson import Binary
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from crm_shared.delivery_queue import queue_indexes
from crm_shared.errors import NotFound
from crm_shared.events.envelope import CloudEvent
from crm_shared.ids import new_id, utcnow
from crm_shared.mongo.indexes import CollectionIndexes, Expiry, index
from crm_shared.mongo.pagination import SortKeys
from crm_shared.mongo.repository import ListFilter, Repository
from crm_shared.mongo.scoped import Document
from notifications.webhooks.domain import delivery_id, ordering_group

SUBSCRIPTIONS: Final = "webhook_subscriptions"
SORT: SortKeys = (("created_at", ASCENDING), ("_id", ASCENDING))
DELIVERIES: Final = "webhook_deliveries"
RETENTION: Final = timedelta(days=30)
NEWEST_FIRST: SortKeys = (("created_at", DESCENDING), ("_id", DESCENDING))
MAX_LOGGED_ATTEMPTS: Final = 50

INDEXES = [
    CollectionIndexes(
        SUBSCRIPTIONS,
        [
            index([("tenant_id", ASCENDING), *SORT], name="tenant_created"),
            index([("tenant_id", ASCENDING), ("owner_id", ASCENDING), *SORT], name="tenant_owner"),
            index([("tenant_id", ASCENDING), ("active", ASCENDING)], name="tenant_active"),
        ],
    ),
    *queue_indexes(DELIVERIES),
    CollectionIndexes(
        DELIVERIES,
        [
            index(
                [("tenant_id", ASCENDING), ("subscription_id", ASCENDING), *NEWEST_FIRST],
                name="tenant_subscription_created",
            ),
            index([("finished_at", ASCENDING)], name="finished"),
        ],
        expire=Expiry("finished_at", RETENTION),
        retired=("finished_ttl",),
    ),
]


# --------------------------------------------------------------------------- subscriptions


def new_subscription(
    *,
    owner_id: str,
    url: str,
    event_types: list[str],
    description: str | None,
    active: bool,
    secret: str,
) -> Document:
    """A subscription document (tenant, version and timestamps are stamped on insert)."""
    return {
        "_id": new_id("whk"),
        "owner_id": owner_id,
        "url": url,
        "event_types": event_types,
        "description": description,
        "active": active,
        "secret": secret,
        "previous_secret": None,
        "previous_secret_until": None,
        "consecutive_failures": 0,
        "disabled_reason": None,
    }


class SubscriptionRepository(Repository):
    """Webhook subscriptions of one tenant (get, insert, versioned update and delete come
    from the shared base)."""

    collection_name = SUBSCRIPTIONS
    kind = "webhook"

    async def active(self) -> list[Document]:
        """Every active subscription of the tenant (what fan-out matches events against)."""
        return await self.items.find({"active": True})

    async def page_by_owner(
        self, *, owner_id: str | None, limit: int, cursor: str | None, query_fingerprint: str
    ) -> tuple[list[Document], str | None]:
        """A page of subscriptions (only ``owner_id``'s when given), oldest first."""
        return await self.page(
            ListFilter({"owner_id": owner_id or None}),
            SORT,
            limit=limit,
            cursor=cursor,
            query_fingerprint=query_fingerprint,
            windowed=False,
        )

    async def clear_failures(self, sub_ids: list[str], *, session: AsyncClientSession) -> None:
        """Deliveries succeeded: the failure run of these subscriptions starts again from 0
        (one write for a whole batch; subscriptions with no run are not touched)."""
        await self.items.collection.update_many(
            self.items.scope({"_id": {"$in": sub_ids}, "consecutive_failures": {"$gt": 0}}),
            {"$set": {"consecutive_failures": 0}},
            session=session,
        )

    async def count_failure(
        self, sub_id: str, *, disable_after: int, session: AsyncClientSession
    ) -> bool:
        """Add a failed delivery to the run; at ``disable_after`` switch the subscription off.
        Returns True when this failure switched it off."""
        doc = await self.items.collection.find_one_and_update(
            self.items.scope({"_id": sub_id}),
            {"$inc": {"consecutive_failures": 1}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if doc is None or not doc["active"] or doc["consecutive_failures"] < disable_after:
            return False
        reason = f"switched off after {doc['consecutive_failures']} failed deliveries in a row"
        await self.items.collection.update_one(
            self.items.scope({"_id": sub_id}),
            {
                "$set": {"active": False, "disabled_reason": reason, "updated_at": utcnow()},
                "$inc": {"version": 1},
            },
            session=session,
        )
        return True


# --------------------------------------------------------------------------- deliveries


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


class DeliveryRepository(Repository):
    """The deliveries of one tenant, read for the API. Read side only: the queue
    (``crm_shared.delivery_queue.DeliveryQueue``) enqueues, claims and settles them, so the
    base's versioned writes are not used here."""

    collection_name = DELIVERIES
    kind = "delivery"

    async def of_subscription(self, subscription_id: str, id_: str) -> Document:
        """One delivery of the subscription, or NotFound."""
        found = await self.items.find_one({"_id": id_, "subscription_id": subscription_id})
        if found is None:
            raise NotFound(f"delivery {id_} not found")
        return found

    async def page_of_subscription(
        self,
        subscription_id: str,
        *,
        limit: int,
        cursor: str | None,
        query_fingerprint: str,
        windowed: bool,
    ) -> tuple[list[Document], str | None]:
        """A page of the subscription's deliveries, newest first."""
        return await self.page(
            ListFilter({"subscription_id": subscription_id}),
            NEWEST_FIRST,
            limit=limit,
            cursor=cursor,
            query_fingerprint=query_fingerprint,
            windowed=windowed,
        )
