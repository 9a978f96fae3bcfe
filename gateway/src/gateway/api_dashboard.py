"""Route: the figures of a sales dashboard, gathered from the services at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from crm_shared.errors import Forbidden
from gateway.deps import CurrentCaller, State
from gateway.proxy.fanout import ServiceCalls, sections

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])

WIN_LOSS_MONTHS = 12
"""The win rate covers the deals closed in the last this many months (this one included)."""


def quarter_months(now: datetime) -> tuple[str, str]:
    """First and last month (``YYYY-MM``) of the quarter of ``now``."""
    first = (now.month - 1) // 3 * 3 + 1
    return f"{now.year:04d}-{first:02d}", f"{now.year:04d}-{first + 2:02d}"


def trailing_months(now: datetime, count: int) -> tuple[str, str]:
    """First and last month (``YYYY-MM``) of the ``count`` months ending with ``now``'s."""
    index = now.year * 12 + now.month - 1 - (count - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}", f"{now.year:04d}-{now.month:02d}"


@router.get("")
async def dashboard(caller: CurrentCaller, state: State) -> dict[str, Any]:
    """New leads by rating this month, pipeline by stage, forecast this quarter (the months
    in ``quarter``), win rate and lost reasons of the months in ``win_loss_months`` (the
    last 12) and open cases by priority. Sections the caller's roles do not cover
    are ``forbidden``; a service that does not answer leaves its sections ``unavailable``."""
    if caller.principal.is_integration:
        raise Forbidden("API keys have no dashboard")
    now = datetime.now(UTC)
    q_from, q_to = quarter_months(now)
    wl_from, wl_to = trailing_months(now, WIN_LOSS_MONTHS)
    calls = ServiceCalls(state.upstreams, caller, state.settings.fanout_timeout_s)
    found = await sections(
        {
            "new_leads": lambda: calls.get("leads", "/v1/leads/summary"),
            "pipeline": lambda: calls.get("deals", "/v1/reports/pipeline"),
            "forecast_this_quarter": lambda: calls.get(
                "deals", "/v1/reports/forecast", **{"from": q_from, "to": q_to}
            ),
            "win_loss": lambda: calls.get(
                "deals", "/v1/reports/win-loss", **{"from": wl_from, "to": wl_to}
            ),
            "open_cases": lambda: calls.get("contacts", "/v1/cases/summary"),
        },
        state.settings.fanout_timeout_s,
    )
    return {
        "generated_at": now.isoformat(),
        "quarter": [q_from, q_to],
        "win_loss_months": [wl_from, wl_to],
        **found,
    }
