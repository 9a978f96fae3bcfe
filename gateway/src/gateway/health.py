"""``/healthz`` (the gateway lives) and ``/readyz`` (its database, and each service's)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from crm_shared.errors import ServiceUnavailable
from gateway.state import GatewayState, State
from gateway.upstreams import Upstream

router = APIRouter(tags=["health"])
CHECK_TIMEOUT_S = 1.5


async def _mongo_ok(state: GatewayState) -> bool:
    try:
        await asyncio.wait_for(state.client.admin.command("ping"), CHECK_TIMEOUT_S)
    except Exception:
        return False
    return True


async def upstream_ready(upstream: Upstream) -> str:
    """``ready``, ``not ready`` (it answered otherwise) or ``unreachable``."""
    try:
        response = await upstream.client.get("/readyz", timeout=CHECK_TIMEOUT_S)
    except Exception:
        return "unreachable"
    return "ready" if response.status_code == 200 else "not ready"


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request, state: State) -> JSONResponse:
    """Ready when the gateway's database answers; ``degraded`` names the services that
    are not ready (the gateway still serves the others)."""
    upstreams = list(state.upstreams.by_name.values())
    mongo, *services = await asyncio.gather(
        _mongo_ok(state), *(upstream_ready(u) for u in upstreams)
    )
    checks = {u.name: s for u, s in zip(upstreams, services, strict=True)}
    if not mongo:
        raise ServiceUnavailable("the gateway's database is unreachable", checks=checks)
    status = "ready" if all(s == "ready" for s in checks.values()) else "degraded"
    return JSONResponse({"status": status, "checks": {"mongodb": "ok", **checks}})
