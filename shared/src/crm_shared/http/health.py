"""``/healthz`` (the process lives) and ``/readyz`` (MongoDB and Kafka reachable)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pymongo import AsyncMongoClient

from crm_shared.http.problems import problem_response
from crm_shared.runtime import Runtime

liveness = APIRouter(tags=["health"])
"""``/healthz`` alone, for apps (the gateway) with their own readiness check."""
router = APIRouter(tags=["health"])
CHECK_TIMEOUT_S = 1.5


async def mongo_ok(client: AsyncMongoClient[Any]) -> bool:
    """True when the MongoDB server answers a ping within ``CHECK_TIMEOUT_S``."""
    try:
        await asyncio.wait_for(client.admin.command("ping"), CHECK_TIMEOUT_S)
    except Exception:
        return False
    return True


async def _kafka_ok(bootstrap: str) -> bool:
    """True when at least one bootstrap broker accepts a TCP connection."""
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(host or "127.0.0.1", int(port)), CHECK_TIMEOUT_S
            )
        except (OSError, TimeoutError, ValueError):
            continue
        writer.close()
        return True
    return False


@liveness.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


router.include_router(liveness)


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> JSONResponse:
    """Readiness: the database and the broker are reachable. The body also shows whether
    this instance's relay holds the outbox lease and the partitions each of its consumer
    groups is assigned (they split between the instances of a service)."""
    runtime: Runtime = request.app.state.runtime
    mongo, kafka = await asyncio.gather(
        mongo_ok(runtime.client), _kafka_ok(runtime.settings.kafka_bootstrap)
    )
    checks: dict[str, Any] = {
        "mongodb": "ok" if mongo else "unreachable",
        "kafka": "ok" if kafka else "unreachable",
        "outbox_relay": "leader" if runtime.relay.is_leader else "standby",
    }
    consumers = {
        runner.spec.group: sorted(f"{tp.topic}:{tp.partition}" for tp in runner.assigned)
        for runner in runtime.consumers
    }
    if mongo and kafka:
        return JSONResponse({"status": "ready", "checks": checks, "consumers": consumers})
    return problem_response(
        503,
        "not-ready",
        "Not ready",
        "a dependency is unreachable",
        checks=checks,
        consumers=consumers,
    )
