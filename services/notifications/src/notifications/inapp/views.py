"""Stored notifications -> API bodies, as one reader sees them (read or not)."""

from __future__ import annotations

from typing import Any

from crm_shared.mongo.scoped import Document
from crm_shared.views import to_json
from notifications.inapp.domain import ReadState, is_read


def view(doc: dict[str, Any], *, read: bool) -> dict[str, Any]:
    """The API shape of a stored notification for one reader."""
    audience: str = doc["audience"]
    kind, _, target = audience.partition(":")
    return {
        "id": doc["_id"],
        "recipient_id": target if kind == "user" else None,
        "role": target if kind == "role" else None,
        "kind": doc["kind"],
        "title": doc["title"],
        "body": doc["body"],
        "link": doc["link"],
        "data": dict(doc.get("data") or {}),
        "source_event_id": doc["source_event_id"],
        "created_at": to_json(doc["created_at"]),
        "read": read,
    }


def reader_view(doc: Document, state: ReadState) -> dict[str, Any]:
    """``doc`` as the reader whose read state is ``state`` sees it."""
    return view(doc, read=is_read(doc["_id"], state.read_through, state.receipts))
