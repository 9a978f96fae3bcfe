"""Route: the 360-degree view of a customer, composed from the services at once."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Path

from crm_shared.errors import NotFound
from gateway.deps import CurrentCaller, State
from gateway.proxy.fanout import ServiceCalls, sections

router = APIRouter(prefix="/api/v1/customers", tags=["customer 360"])
OPEN_CASE_STATUSES = frozenset({"new", "open", "pending"})
CLOSED_DEAL_STATUSES = frozenset({"won", "lost"})
RECENT_ACTIVITIES = 10


def _items(page: Any) -> list[dict[str, Any]]:
    return list(page.get("items") or []) if isinstance(page, dict) else []


@router.get("/{contact_id}/360")
async def customer_360(
    contact_id: str = Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$"),
    *,
    caller: CurrentCaller,
    state: State,
) -> dict[str, Any]:
    """Contact, account, open and closed deals, recent activities, open cases, campaigns,
    purchase stats and RFM. Each section says whether its service answered; a service
    that is down or slow leaves its section ``unavailable`` and the rest still comes."""
    budget = state.settings.fanout_timeout_s
    calls = ServiceCalls(state.upstreams, caller, budget)
    contact_call = asyncio.ensure_future(calls.get("contacts", f"/v1/contacts/{contact_id}"))

    async def contact() -> Any:
        return await asyncio.shield(contact_call)

    async def account() -> Any:
        """The contact's account, asked for as soon as the contact is known."""
        account_id = ((await contact()) or {}).get("account_id")
        return await calls.get("contacts", f"/v1/accounts/{account_id}") if account_id else None

    found = await sections(
        {
            "contact": contact,
            "account": account,
            "rfm": lambda: calls.get("contacts", f"/v1/contacts/{contact_id}/rfm"),
            "deals": lambda: calls.get("deals", "/v1/deals", contact_id=contact_id, limit=100),
            "activities": lambda: calls.get(
                "contacts", "/v1/activities", contact_id=contact_id, limit=RECENT_ACTIVITIES
            ),
            "cases": lambda: calls.get("contacts", "/v1/cases", contact_id=contact_id, limit=100),
            "campaigns": lambda: calls.get("campaigns", "/v1/campaigns", contact_id=contact_id),
        },
        budget,
    )
    if not contact_call.done():
        contact_call.cancel()
    if found["contact"]["status"] == "ok" and found["contact"]["data"] is None:
        raise NotFound(f"no contact {contact_id}")
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
