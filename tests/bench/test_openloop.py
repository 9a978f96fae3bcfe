"""The open-loop generator of the mixed benchmark against a small real HTTP server."""

from __future__ import annotations

import asyncio
from collections import Counter

from fastapi import FastAPI, Request

from bench.openloop import OpenLoad, RequestKind, generate
from crm_devstack.testing import served


def _recording_app(seen: Counter[str], bodies: list[bytes], slow_s: float) -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def read(item_id: str) -> dict[str, str]:
        seen[f"read {item_id}"] += 1
        return {"id": item_id}

    @app.post("/items", status_code=201)
    async def write(request: Request) -> dict[str, str]:
        bodies.append(await request.body())
        await asyncio.sleep(slow_s)  # a slow write, to see waiting counted in latency
        return {"ok": "yes"}

    return app


async def test_requests_arrive_on_schedule_in_the_weighted_mix() -> None:
    seen: Counter[str] = Counter()
    bodies: list[bytes] = []
    async with served(_recording_app(seen, bodies, 0.0)) as url:
        load = OpenLoad(
            base_url=url,
            headers={"X-Test": "1"},
            kinds=(
                RequestKind("read", "GET", "/items/{id}", 7, ids=("a", "b")),
                RequestKind("write", "POST", "/items", 3, body='{"n": "{uid}"}', write=True),
            ),
            rate=200.0,
            duration_s=1.0,
            run_id="t",
        )
        result = await generate(load)

    assert result.sent == 200
    assert result.failures == 0
    reads, writes = result.kinds["read"]["n"], result.kinds["write"]["n"]
    assert reads + writes == 200
    assert 100 <= reads <= 180  # weights 7:3, seeded random choice
    assert set(seen) == {"read a", "read b"}
    assert len(set(bodies)) == writes  # every write has its own uid
    assert result.reads["n"] == reads and result.writes["n"] == writes


async def test_latency_counts_the_wait_for_a_connection() -> None:
    seen: Counter[str] = Counter()
    bodies: list[bytes] = []
    async with served(_recording_app(seen, bodies, 0.2)) as url:
        load = OpenLoad(
            base_url=url,
            headers={},
            kinds=(RequestKind("write", "POST", "/items", 1, body='{"n": "{uid}"}', write=True),),
            rate=20.0,
            duration_s=1.0,
            max_connections=1,
        )
        result = await generate(load)

    # One connection, 0.2 s per request, 20 arriving per second: later requests queue,
    # and an open-loop measure reports that queueing (a closed loop would say 0.2 s).
    assert result.kinds["write"]["n"] == 20
    assert result.overall["max_ms"] > 2000
