"""Stored deal documents -> API bodies and event snapshots."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm_shared.events.catalogue import DealSnapshot
from crm_shared.fields import from_bson
from crm_shared.views import HIDDEN_ALWAYS, document_view

_HIDDEN = HIDDEN_ALWAYS | {"contact_ids", "conversion_parties"}


def contact_ids(doc: Mapping[str, Any]) -> list[str]:
    """The ids of a deal's contacts, in order."""
    return [c["contact_id"] for c in doc.get("contacts") or []]


def deal_view(
    doc: Mapping[str, Any], contacts: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """The JSON body of one deal; each contact shows its name and e-mail from the projection
    (``None`` until the contact's event has arrived)."""
    body = document_view(doc, _HIDDEN)
    known = contacts or {}
    body["contacts"] = [
        {
            **c,
            "name": known.get(c["contact_id"], {}).get("name"),
            "email": known.get(c["contact_id"], {}).get("email"),
        }
        for c in body.get("contacts") or []
    ]
    return body


def snapshot(doc: Mapping[str, Any]) -> DealSnapshot:
    """The deal fields published in events."""
    return DealSnapshot(
        deal_id=doc["_id"],
        name=doc["name"],
        pipeline_id=doc["pipeline_id"],
        stage=doc["stage"],
        amount=from_bson(doc["amount"]),
        currency=doc["currency"],
        probability=doc["probability"],
        expected_close_date=doc.get("expected_close_date"),
        contact_ids=contact_ids(doc),
        account_id=doc.get("account_id"),
        owner_id=doc.get("owner_id"),
        source_lead_id=doc.get("source_lead_id"),
        campaign_id=doc.get("campaign_id"),
        version=doc["version"],
    )
