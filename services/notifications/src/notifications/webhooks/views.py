"""Stored webhook documents -> API bodies (secrets never shown here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm_shared.views import HIDDEN_ALWAYS, document_view, to_json
from notifications.webhooks.domain import DeliveryStatus

_HIDDEN_SUBSCRIPTION = HIDDEN_ALWAYS | {"secret", "previous_secret", "previous_secret_until"}


def subscription_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of one subscription, without its secrets."""
    return document_view(doc, _HIDDEN_SUBSCRIPTION)


def delivery_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of one delivery log entry (queue internals and the payload left out)."""
    status = DeliveryStatus.of_job(doc["status"])
    retrying = doc["status"] == "queued" and bool(doc.get("attempt_log"))
    return {
        "id": doc["_id"],
        "tenant_id": doc["tenant_id"],
        "subscription_id": doc["subscription_id"],
        "event_id": doc["event_id"],
        "event_type": doc["event_type"],
        "status": status.value,
        "url": doc.get("url"),
        "attempts": to_json(doc.get("attempt_log", [])),
        "last_status": doc.get("last_status"),
        "last_error": doc.get("last_error"),
        "next_attempt_at": to_json(doc["due_at"]) if retrying else None,
        "replays": doc.get("replays", 0),
        "delivered_at": to_json(doc.get("delivered_at")),
        "finished_at": to_json(doc.get("finished_at")),
        "created_at": to_json(doc["created_at"]),
        "updated_at": to_json(doc["updated_at"]),
    }
