"""Stored accounts -> API response bodies and the AccountCreated event (no re-validation)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm_shared.events.catalogue import AccountCreated
from crm_shared.views import HIDDEN_ALWAYS, document_view

_HIDDEN = HIDDEN_ALWAYS | {"name_key"}
"""Storage-only keys of an account: its name sort key."""


def account_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of a stored account (see ``AccountOut``)."""
    return document_view(doc, _HIDDEN)


def account_created(doc: Mapping[str, Any]) -> AccountCreated:
    """The AccountCreated event of a stored account."""
    return AccountCreated(
        account_id=doc["_id"],
        name=doc["name"],
        domain=doc.get("domain"),
        industry=doc.get("industry"),
        employee_count=doc.get("employee_count"),
        type=doc["type"],
        owner_id=doc.get("owner_id"),
        parent_account_id=doc.get("parent_account_id"),
        source_lead_id=doc.get("source_lead_id"),
    )
