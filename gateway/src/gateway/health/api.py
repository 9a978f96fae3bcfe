"""``/healthz`` (the gateway lives) and ``/readyz`` (its database, and each service's)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from crm_shared.errors import ServiceUnavailable
from crm_shared.http.health import CHECK_TIMEOUT_S, liveness, mongo_ok
from gateway.deps import State
from gateway.proxy.upstreams import Upstream

router = APIRouter(tags=["health"])
router.include_router(liveness)


async def upstream_ready(upstream: Upstream) -> str:
    """``ready``, ``not ready`` (it answered otherwise) or ``unreachable``."""
    try:
        response = await upstream.client.get("/readyz", timeout=CHECK_TIMEOUT_S)
    except Exception:
        return "unreachable"
    return "ready" if response.status_code == 200 else "not ready"


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request, state: State) -> JSONResponse:
    """Ready when the gateway's database answers; ``degraded`` names the services that
    are not ready (the gateway still serves the others)."""
    upstreams = list(state.upstreams.by_name.values())
    mongo, *services = await asyncio.gather(
        mongo_ok(state.client), *(upstream_ready(u) for u in upstreams)
    )
    checks = {u.name: s for u, s in zip(upstreams, services, strict=True)}
    if not mongo:
        raise ServiceUnavailable("the gateway's database is unreachable", checks=checks)
    status = "ready" if all(s == "ready" for s in checks.values()) else "degraded"
    return JSONResponse({"status": status, "checks": {"mongodb": "ok", **checks}})
