"""Use case: the sales dashboard, every section asked of its service at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gateway.dashboard.domain import WIN_LOSS_MONTHS, quarter_months, trailing_months
from gateway.proxy.fanout import ServiceCalls, sections


async def dashboard(calls: ServiceCalls) -> dict[str, Any]:
    """New leads by rating, pipeline, this quarter's forecast, win-loss of the trailing
    months and open cases, with the periods they cover."""
    now = datetime.now(UTC)
    q_from, q_to = quarter_months(now)
    wl_from, wl_to = trailing_months(now, WIN_LOSS_MONTHS)
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
        calls.timeout_s,
    )
    return {
        "generated_at": now.isoformat(),
        "quarter": [q_from, q_to],
        "win_loss_months": [wl_from, wl_to],
        **found,
    }
