"""Stored lead documents -> API response dicts (no re-validation on the hot path)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm_shared.events.catalogue import LeadSnapshot
from crm_shared.views import HIDDEN_ALWAYS, document_view

_HIDDEN = HIDDEN_ALWAYS | {"name_key", "scoring_version"}


def lead_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of one lead (the shape documented by ``LeadOut``)."""
    return document_view(doc, _HIDDEN)


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
