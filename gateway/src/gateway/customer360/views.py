"""The 360 view's body from its sections: deals split into open and closed, only the open
cases, and lists taken out of their pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.proxy.fanout import Section

OPEN_CASE_STATUSES = frozenset({"new", "open", "pending"})
CLOSED_DEAL_STATUSES = frozenset({"won", "lost"})


def _items(page: Any) -> list[dict[str, Any]]:
    return list(page.get("items") or []) if isinstance(page, dict) else []


def customer_view(contact_id: str, found: Mapping[str, Section]) -> dict[str, Any]:
    """The response body of the 360 view of ``contact_id`` from its sections by name."""
    deals = _items(found["deals"].get("data"))
    return {
        "contact_id": contact_id,
        "contact": found["contact"],
        "account": found["account"],
        "deals": {
            **found["deals"],
            "data": {
                "open": [d for d in deals if d.get("status") not in CLOSED_DEAL_STATUSES],
                "closed": [d for d in deals if d.get("status") in CLOSED_DEAL_STATUSES],
            }
            if found["deals"]["status"] == "ok"
            else None,
        },
        "activities": {**found["activities"], "data": _items(found["activities"].get("data"))},
        "open_cases": {
            **found["cases"],
            "data": [
                c
                for c in _items(found["cases"].get("data"))
                if c.get("status") in OPEN_CASE_STATUSES
            ],
        },
        "campaigns": {**found["campaigns"], "data": _items(found["campaigns"].get("data"))},
        "purchases_and_rfm": found["rfm"],
    }
