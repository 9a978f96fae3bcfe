"""MongoDB goes away mid-load: frozen (SIGSTOP, or ``docker pause`` under
``CRM_TEST_BACKEND=containers``), or stopped and started again on the same port with its
data.

While it is away the APIs answer fast with 503 problem+json and a Retry-After (a request
never hangs), and ``/readyz`` says not ready. Once it is back, the same processes serve
again, with no restart: the relays publish what was committed, consumers go on, and the
ledger holds (a write answered 503 may have been committed just before the database went
away, so it counts as unsure, like a request without an answer).
"""

from __future__ import annotations

import time

import pytest

from crm_devstack.testing import eventually

from .ledger import verify_flow
from .load import LeadLoad, hold
from .platform import FaultPlatform

pytestmark = pytest.mark.faults

DOWN_S = 10.0
ANSWER_WITHIN_S = 12.0
"""The longest any request may take while the database is away: noticing a frozen server
takes up to ``mongo_heartbeat_ms`` + ``mongo_timeout_ms`` (1 + 3 s), a read retried then
waits ``mongo_timeout_ms`` more to find it, plus slack for a loaded machine."""
RECOVERY_S = 3.0
"""After the database is back, requests sent later than this must all succeed."""
NEW_WORK = 60
"""Lead jobs started once the load is over, so there are requests after the recovery
whatever the restart took (a MongoDB container also has to elect itself primary again
before it takes writes)."""
PROBLEM_JSON = "application/problem+json"


async def _all_ready(platform: FaultPlatform, ready: bool) -> bool:
    for name in platform.services:
        response = await platform.readiness(name)
        if ready != (response.status_code == 200):
            return False
        if not ready:
            assert response.headers["content-type"] == PROBLEM_JSON
            assert response.json()["checks"]["mongodb"] == "unreachable"
    return True


@pytest.mark.parametrize("fault", ["paused", "restarted"])
async def test_database_outage_answers_503_fast_and_recovers_without_restart(
    platform: FaultPlatform, fault: str
) -> None:
    servers = platform.servers
    servers.require_faults()
    await platform.start()
    processes = [item.process for items in platform.instances.values() for item in items]
    clients = platform.clients("leads")
    load = LeadLoad(clients, platform.auth(), platform.run, total=460, rate=20)
    running = load.start()
    ledger = load.ledger
    await eventually(lambda: ledger.accepted >= 60, timeout=30, what="load under way")

    down_at = time.monotonic()
    await (servers.pause("database") if fault == "paused" else servers.stop("database"))
    try:
        await eventually(
            lambda: _all_ready(platform, False), timeout=10, what="readiness to say not ready"
        )
        await hold(running, DOWN_S - (time.monotonic() - down_at))
    finally:
        await (servers.resume("database") if fault == "paused" else servers.start("database"))
    up_at = time.monotonic()
    await eventually(lambda: _all_ready(platform, True), timeout=30, what="readiness again")
    await running
    await LeadLoad(
        clients, platform.auth(), f"{platform.run}n", total=NEW_WORK, rate=20, ledger=ledger
    ).run()

    outage = ledger.answered_between(down_at, up_at)
    assert {a.status for a in outage} <= {200, 201, 503}, ledger.statuses()
    refused = [a for a in outage if a.status == 503]
    assert len(refused) >= load.concurrency // 2, ledger.statuses()
    assert all(a.content_type == PROBLEM_JSON and a.retry_after for a in refused)
    slowest = max(a.elapsed for a in ledger.answers)
    assert slowest <= ANSWER_WITHIN_S, f"a request took {slowest:.1f} s"
    later = ledger.answered_between(up_at + RECOVERY_S, float("inf"))
    assert len(later) >= 40 and all(a.accepted for a in later), ledger.statuses()
    assert all(proc.alive() for proc in processes), "a service died"
    assert ledger.unexpected([503]) == []
    report = await verify_flow(platform, ledger)
    print(f"{fault}: {ledger.statuses()}, slowest answer {slowest:.1f} s; {report.summary()}")
