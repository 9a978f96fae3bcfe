"""E-mail deliveries in MongoDB: the delivery queue's jobs are the delivery records.

The API speaks of ``queued``, ``sending``, ``sent`` and ``failed``; the queue stores
``queued``, ``claimed``, ``done`` and ``failed`` (e-mail jobs are never grouped, so
never ``waiting``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pymongo import ASCENDING, DESCENDING

from crm_shared.delivery_queue import queue_indexes
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.pagination import SortKeys
from crm_shared.mongo.repository import Repository
from crm_shared.mongo.scoped import Document

EMAIL_DELIVERIES = "email_deliveries"
EmailStatus = Literal["queued", "sending", "sent", "failed"]
STORED_STATUS: dict[str, str] = {
    "queued": "queued",
    "sending": "claimed",
    "sent": "done",
    "failed": "failed",
}
API_STATUS: dict[str, str] = {v: k for k, v in STORED_STATUS.items()} | {"waiting": "queued"}
NEWEST_FIRST: SortKeys = (("created_at", DESCENDING), ("_id", DESCENDING))

_T = ("tenant_id", ASCENDING)
_NEWEST = [("created_at", DESCENDING), ("_id", DESCENDING)]
INDEXES: list[CollectionIndexes] = [
    *queue_indexes(EMAIL_DELIVERIES),
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


def delivery_view(doc: Document) -> dict[str, Any]:
    """The API body of one delivery record (no message bodies, no queue internals)."""
    view: dict[str, Any] = {
        "request_id": doc["_id"],
        "status": API_STATUS.get(str(doc["status"]), str(doc["status"])),
        "to": doc["to"],
        "to_name": doc.get("to_name"),
        "subject_line": doc["subject_line"],
        "campaign_id": doc.get("campaign_id"),
        "automation_id": doc.get("automation_id"),
        "contact_id": doc.get("contact_id"),
        "lead_id": doc.get("lead_id"),
        "attempts": doc.get("attempts", 0),
        "smtp_reply": doc.get("smtp_reply"),
        "error": doc.get("error"),
        "permanent": doc.get("permanent"),
        "created_at": doc["created_at"],
        "updated_at": doc["updated_at"],
        "sent_at": doc.get("sent_at"),
        "failed_at": doc.get("failed_at"),
    }
    return view
