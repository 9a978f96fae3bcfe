"""Stored e-mail deliveries -> API bodies (no message bodies, no queue internals)."""

from __future__ import annotations

from typing import Any

from crm_shared.mongo.scoped import Document
from notifications.email.domain import API_STATUS


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
