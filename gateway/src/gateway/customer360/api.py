"""Route: the 360-degree view of a customer, composed from the services at once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path

from gateway.customer360 import service
from gateway.deps import CurrentCaller, State
from gateway.proxy.fanout import ServiceCalls

router = APIRouter(prefix="/api/v1/customers", tags=["customer 360"])


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
    calls = ServiceCalls(state.upstreams, caller, state.settings.fanout_timeout_s)
    return await service.customer_360(calls, contact_id)
