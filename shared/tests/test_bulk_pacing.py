"""How background imports give way: the interactive in-flight gate and the rows budget."""

from __future__ import annotations

import asyncio

import pytest

from crm_shared.http.inflight import InFlight, is_interactive
from crm_shared.import_jobs.runner import Pace


def test_bulk_and_probe_routes_are_not_interactive() -> None:
    assert is_interactive("/v1/leads") and is_interactive("/api/v1/leads/imports/job_1")
    assert not is_interactive("/v1/leads/import")
    assert not is_interactive("/v1/notifications/stream")
    assert not is_interactive("/readyz") and not is_interactive("/metrics")


async def test_calm_returns_once_the_last_request_left() -> None:
    gate = InFlight()
    await asyncio.wait_for(gate.calm(60), 5)  # nothing in flight: at once
    gate.enter()
    gate.enter()
    waiter = asyncio.create_task(gate.calm(60))
    gate.leave()
    await asyncio.sleep(0)
    assert not waiter.done()
    gate.leave()
    await asyncio.wait_for(waiter, 5)
    assert gate.count == 0


async def test_calm_gives_up_after_its_wait() -> None:
    gate = InFlight()
    gate.enter()
    await asyncio.wait_for(gate.calm(0.01), 5)
    assert gate.count == 1


def test_the_gate_works_in_each_loop_that_uses_it() -> None:
    gate = InFlight()

    async def wait_for_a_request() -> None:
        gate.enter()
        waiter = asyncio.create_task(gate.calm(60))
        for _ in range(5):  # until the waiter waits on the event
            await asyncio.sleep(0)
        assert not waiter.done()
        gate.leave()
        await asyncio.wait_for(waiter, 5)

    asyncio.run(wait_for_a_request())
    asyncio.run(wait_for_a_request())  # a second loop (tests run apps in several)
    assert gate.count == 0


async def test_pace_spreads_rows_over_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    pace = Pace(100)
    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    await pace.take(50)  # the first batch goes at once
    await pace.take(50)  # the next waits for the first one's half second
    monkeypatch.undo()
    assert len(waits) == 1 and 0.3 < waits[0] <= 0.5
    unlimited = Pace(0)
    await unlimited.take(10_000)
