"""Stored lead documents -> API response dicts (no re-validation on the hot path)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from bson import Decimal128

from crm_shared.events.catalogue import LeadSnapshot

_HIDDEN = frozenset({"_id", "search", "search_text", "name_key", "scoring_version"})


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Decimal128):
        return str(value.to_decimal())
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


def lead_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of one lead (the shape documented by ``LeadOut``)."""
    body = {"id": doc["_id"]}
    body.update({k: _json(v) for k, v in doc.items() if k not in _HIDDEN})
    return body


def etag(doc: Mapping[str, Any]) -> str:
    """Strong ETag carrying the version, for ``If-Match``."""
    return f'"{doc["version"]}"'


def snapshot(doc: Mapping[str, Any]) -> LeadSnapshot:
    """The lead fields published in events."""
    return LeadSnapshot(
        lead_id=doc["_id"],
        first_name=doc.get("first_name"),
        last_name=doc["last_name"],
        email=doc.get("email"),
        phone=doc.get("phone"),
        company=doc.get("company"),
        title=doc.get("title"),
        website=doc.get("website"),
        source=doc["source"],
        campaign_id=doc.get("campaign_id"),
        status=doc["status"],
        rating=doc["rating"],
        score=doc["score"],
        owner_id=doc.get("owner_id"),
        tags=list(doc.get("tags") or []),
        custom=dict(doc.get("custom") or {}),
        version=doc["version"],
    )
