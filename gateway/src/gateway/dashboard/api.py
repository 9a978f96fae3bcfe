"""Route: the figures of a sales dashboard, gathered from the services at once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from crm_shared.errors import Forbidden
from gateway.dashboard import service
from gateway.deps import CurrentCaller, State
from gateway.proxy.fanout import ServiceCalls

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])


@router.get("")
async def dashboard(caller: CurrentCaller, state: State) -> dict[str, Any]:
    """New leads by rating this month, pipeline by stage, forecast this quarter (the months
    in ``quarter``), win rate and lost reasons of the months in ``win_loss_months`` (the
    last 12) and open cases by priority. Sections the caller's roles do not cover
    are ``forbidden``; a service that does not answer leaves its sections ``unavailable``."""
    if caller.principal.is_integration:
        raise Forbidden("API keys have no dashboard")
    calls = ServiceCalls(state.upstreams, caller, state.settings.fanout_timeout_s)
    return await service.dashboard(calls)
