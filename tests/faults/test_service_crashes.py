"""A service process crashes (SIGKILL: no shutdown, nothing flushed) and is started again.

* A consumer killed in the middle of its backlog: records it applied but had not committed
  are delivered again after the restart, and the inbox turns them into no-ops, so each
  converted lead still gets exactly one contact.
* A producer killed after its transactions committed but before its relay published
  them (the broker is frozen meanwhile, so the relay cannot): the outbox rows survive the
  crash and the restarted relay publishes them.
"""

from __future__ import annotations

import time

import pytest

from crm_devstack.testing import eventually

from .ledger import Event, read_topic, verify_flow
from .load import LeadLoad, Ledger
from .platform import FaultPlatform

pytestmark = pytest.mark.faults


def _before(events: list[Event], offsets: dict[int, int], type_: str) -> int:
    """Events of ``type_`` at offsets below the committed ones (already acknowledged)."""
    return sum(1 for e in events if e.type == type_ and e.offset < offsets.get(e.partition, 0))


async def test_consumer_killed_mid_batch_applies_each_event_once(
    platform: FaultPlatform,
) -> None:
    await platform.start(["leads", "deals"])
    load = LeadLoad(platform.clients("leads"), platform.auth(), platform.run, total=240, rate=60)
    ledger = await load.run()
    assert ledger.unexpected() == [], ledger.statuses()
    wanted = len(ledger.converted)

    contacts = platform.db("contacts")["contacts"]
    await platform.start(["contacts"])  # a fresh group: its whole backlog is ahead of it

    async def some_applied() -> bool:
        return 0 < await contacts.count_documents({}) < wanted // 2

    await eventually(some_applied, timeout=60, interval=0.01, what="contacts under way")
    platform.kill("contacts")
    applied = await contacts.count_documents({})
    committed = _before(
        await read_topic(platform.servers.kafka_bootstrap, platform.topic("leads")),
        await platform.committed("contacts", "leads"),
        "LeadConverted",
    )
    # the crash left applied-but-uncommitted records: they must come again
    assert applied > committed, (applied, committed)

    await platform.relaunch("contacts")
    report = await verify_flow(platform, ledger)
    print(f"applied {applied}, committed {committed} at the crash; {report.summary()}")
    assert report.contacts == wanted


async def test_producer_killed_before_publishing_committed_events(
    platform: FaultPlatform,
) -> None:
    platform.servers.require_faults()
    await platform.start()
    ledger = Ledger()

    async def load(label: str) -> None:
        clients, auth = platform.clients("leads"), platform.auth()
        await LeadLoad(clients, auth, label, total=90, rate=60, ledger=ledger).run()

    await load(f"{platform.run}a")
    await platform.servers.pause("broker")  # the relay can no longer publish
    await load(f"{platform.run}b")
    held = await platform.db("leads")["outbox"].count_documents({})
    platform.kill("leads")
    await platform.servers.resume("broker")
    assert ledger.unexpected() == [], ledger.statuses()
    assert held >= 60, f"only {held} events were waiting in the outbox"

    started = time.monotonic()
    await platform.relaunch("leads")
    report = await verify_flow(platform, ledger)
    print(f"{held} events held at the crash; back {time.monotonic() - started:.1f} s later")
    print(report.summary())
