"""The broker goes away mid-load: frozen for a while, or restarted.

Writes only need MongoDB (events wait in the outbox), so the APIs keep accepting them;
the relays publish the backlog once the broker answers again and consumers apply it once.

What a restarted broker still holds is ``ScenarioServers.broker_keeps_records``:

* The embedded broker (Tansu) comes back EMPTY: topics, records, groups and offsets are
  gone. The platform must recover by itself: relays re-create their topics with the
  intended partition count and publish again, consumers notice and rebuild, and new work
  flows end to end. Events acknowledged before the restart are lost with it, so the
  ledger check does not require the events of requests sent before the restart was over
  (they may be missing, never doubled).
* Kafka (``CRM_TEST_BACKEND=containers``) keeps its log, groups and committed offsets:
  the ledger check is strict, every accepted write's events are on the topics once in
  effect and applied downstream once, the ones acknowledged before the restart included.
"""

from __future__ import annotations

import time

import pytest

from crm_devstack.testing import eventually

from .ledger import verify_flow
from .load import LeadLoad, hold
from .platform import FaultPlatform

pytestmark = pytest.mark.faults

BROKER_PAUSE_S = 10.0
"""Longer than the producers' request timeout (10 s): sends in flight fail and are
retried, so the broker may hold some records twice (at-least-once)."""
NEW_WORK = 90
"""Lead jobs started after the broker restart (a third of them conversions)."""


async def test_broker_unreachable_writes_accepted_and_outbox_catches_up(
    platform: FaultPlatform,
) -> None:
    platform.servers.require_faults()
    await platform.start()
    load = LeadLoad(platform.clients("leads"), platform.auth(), platform.run, total=360, rate=20)
    running = load.start()
    ledger = load.ledger
    await eventually(lambda: ledger.accepted >= 60, timeout=30, what="load under way")

    await platform.servers.pause("broker")
    paused_at = time.monotonic()
    try:
        await hold(running, BROKER_PAUSE_S)
        held = await platform.db("leads")["outbox"].count_documents({})
    finally:
        await platform.servers.resume("broker")
    await running

    assert ledger.unexpected() == [], ledger.statuses()
    during = ledger.answered_between(paused_at, paused_at + BROKER_PAUSE_S)
    assert len(during) >= 100 and all(a.accepted for a in during)
    assert max(a.elapsed for a in during) < 2.0, "writes waited for the broker"
    assert held > 0, "no event waited in the outbox: the fault did not bite"
    report = await verify_flow(platform, ledger)
    print(f"held in the outbox: {held}; {report.summary()}")
    assert report.converted == len(ledger.converted) > 0


async def test_broker_restart_platform_recovers_and_serves_new_work(
    platform: FaultPlatform,
) -> None:
    servers = platform.servers
    servers.require_faults()
    await platform.start()
    clients, auth = platform.clients("leads"), platform.auth()
    load = LeadLoad(clients, auth, platform.run, total=300, rate=20)
    running = load.start()
    ledger = load.ledger
    await eventually(lambda: ledger.accepted >= 80, timeout=30, what="load under way")

    await servers.restart("broker")
    restarted_at = time.monotonic()
    await running
    # new work once the broker is back, whatever its restart took (a Kafka container's
    # stop grace and JVM boot may outlast the load above; the embedded broker's do not)
    await LeadLoad(clients, auth, f"{platform.run}n", total=NEW_WORK, rate=20, ledger=ledger).run()

    assert ledger.unexpected() == [], ledger.statuses()
    after = [lead for lead, sent in ledger.converted.items() if sent > restarted_at]
    assert len(after) >= 20, "too few conversions after the restart to show recovery"
    lost_before = None if servers.broker_keeps_records else restarted_at
    report = await verify_flow(platform, ledger, lost_before=lost_before)
    print(f"conversions after the restart: {len(after)}; {report.summary()}")
