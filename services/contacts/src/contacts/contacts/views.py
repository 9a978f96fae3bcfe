"""Stored contacts -> API response bodies and event snapshots (no re-validation)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from crm_shared.events.catalogue import ContactSnapshot
from crm_shared.fields import from_bson
from crm_shared.views import HIDDEN_ALWAYS, document_view

_HIDDEN = HIDDEN_ALWAYS | {"name_key"}
"""Storage-only keys of a contact: its name sort key."""


def contact_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of a stored contact (see ``ContactOut``)."""
    return document_view(doc, _HIDDEN)


def contact_snapshot(doc: Mapping[str, Any]) -> ContactSnapshot:
    """The contact fields published in events."""
    total = from_bson(doc.get("purchase_total"))
    return ContactSnapshot(
        contact_id=doc["_id"],
        first_name=doc.get("first_name"),
        last_name=doc["last_name"],
        email=doc.get("email"),
        emails=list(doc.get("emails") or []),
        phones=list(doc.get("phones") or []),
        title=doc.get("title"),
        account_id=doc.get("account_id"),
        account_role=doc.get("account_role"),
        lifecycle_stage=doc["lifecycle_stage"],
        do_not_contact=bool(doc.get("do_not_contact")),
        owner_id=doc.get("owner_id"),
        source_lead_id=doc.get("source_lead_id"),
        tags=list(doc.get("tags") or []),
        custom=dict(doc.get("custom") or {}),
        purchase_count=int(doc.get("purchase_count") or 0),
        purchase_total=total if isinstance(total, Decimal) else Decimal(0),
        last_purchase_at=from_bson(doc.get("last_purchase_at")),
        rfm_segment=doc.get("rfm_segment"),
        version=doc["version"],
    )
