"""Use case: the 360-degree view of a customer, every section asked of its service at once."""

from __future__ import annotations

import asyncio
from typing import Any

from crm_shared.errors import NotFound
from gateway.customer360.views import customer_view
from gateway.proxy.fanout import ServiceCalls, sections

RECENT_ACTIVITIES = 10


async def customer_360(calls: ServiceCalls, contact_id: str) -> dict[str, Any]:
    """The view of ``contact_id`` (the account is asked for as soon as the contact is
    known); 404 when the contacts service says there is no such contact."""
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
        calls.timeout_s,
    )
    if not contact_call.done():
        contact_call.cancel()
    if found["contact"]["status"] == "ok" and found["contact"]["data"] is None:
        raise NotFound(f"no contact {contact_id}")
    return customer_view(contact_id, found)
