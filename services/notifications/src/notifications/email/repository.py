"""E-mail deliveries in MongoDB: the delivery queue's jobs are the delivery records.

The queue (``crm_shared.delivery_queue``) enqueues, claims and settles them; this module
builds the job of a request and reads the records for the API (statuses as in
``notifications.email.domain``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, DESCENDING

from crm_shared.delivery_queue import queue_indexes
from crm_shared.events.catalogue import EmailRequested
from crm_shared.events.envelope import CloudEvent
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.pagination import SortKeys
from crm_shared.mongo.repository import Repository
from crm_shared.mongo.scoped import Document
from notifications.email.domain import STORED_STATUS, EmailStatus

EMAIL_DELIVERIES = "email_deliveries"
NEWEST_FIRST: SortKeys = (("created_at", DESCENDING), ("_id", DESCENDING))

_T = ("tenant_id", ASCENDING)
_NEWEST = [("created_at", DESCENDING), ("_id", DESCENDING)]
INDEXES: list[CollectionIndexes] = [
    *queue_indexes(EMAIL_DELIVERIES, grouped=False),  # e-mail jobs are never grouped
    CollectionIndexes(
        EMAIL_DELIVERIES,
        [
            index([_T, ("campaign_id", 1), *_NEWEST], name="tenant_campaign_created"),
            index([_T, ("recipient", 1), *_NEWEST], name="tenant_recipient_created"),
        ],
    ),
]


@dataclass(frozen=True)
class EmailFilter:
    """List filters (AND): API status, campaign, recipient address (any case)."""

    status: EmailStatus | None = None
    campaign_id: str | None = None
    to: str | None = None

    @property
    def q(self) -> None:
        """No word search on deliveries."""
        return None

    def to_query(self) -> Document:
        """The flat MongoDB filter (the scoped collection adds the tenant)."""
        query: Document = {}
        if self.status is not None:
            query["status"] = STORED_STATUS[self.status]
        if self.campaign_id is not None:
            query["campaign_id"] = self.campaign_id
        if self.to is not None:
            query["recipient"] = self.to.strip().lower()
        return query

    def accepts(self, doc: Mapping[str, Any]) -> bool:
        """Every document the query matched is kept."""
        return True


class EmailDeliveryRepository(Repository):
    """One tenant's e-mail delivery records (read side of the queue)."""

    collection_name = EMAIL_DELIVERIES
    kind = "e-mail"


_REQUEST_FIELDS = (
    "unsubscribe_url",
    "to",
    "to_name",
    "subject_line",
    "body_text",
    "body_html",
    "campaign_id",
    "automation_id",
    "contact_id",
    "lead_id",
    "requested_by",
)


def delivery_job(envelope: CloudEvent, event: EmailRequested) -> dict[str, Any]:
    """The queued delivery of one request (``_id`` = request id, the idempotency key)."""
    job: dict[str, Any] = {"_id": event.request_id, "tenant_id": envelope.tenantid}
    job.update({name: getattr(event, name) for name in _REQUEST_FIELDS})
    job["recipient"] = event.to.strip().lower()
    job["event_id"] = envelope.id
    return job
