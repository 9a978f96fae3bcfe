"""Two instances of a service on one database and consumer group.

* The consumer group splits the partitions: each contacts instance reports its own share
  in ``/readyz``, together all of them; when one dies, the other takes them all.
* The outbox lease lets one leads relay publish at a time, so writes made through either
  instance are published once in effect; killing the lease holder hands publishing over
  to the survivor once the lease expires (the time it took is printed).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from crm_devstack.testing import eventually

from .ledger import settle, verify_flow
from .load import LeadLoad, Ledger
from .platform import CONSUMES, LEASE_S, PARTITIONS, FaultPlatform

pytestmark = pytest.mark.faults


async def _ready_body(platform: FaultPlatform, name: str, index: int) -> dict[str, Any]:
    response = await platform.readiness(name, index)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _shares(platform: FaultPlatform, indexes: list[int]) -> list[set[str]] | None:
    """The contacts group's partitions each instance reports, once they cover every one
    without overlap (None until the group has settled so)."""
    shares = [
        set((await _ready_body(platform, "contacts", i))["consumers"]["contacts"]) for i in indexes
    ]
    wanted = {f"{platform.topic(o)}:{p}" for o in CONSUMES["contacts"] for p in range(PARTITIONS)}
    covered = set().union(*shares) == wanted and sum(map(len, shares)) == len(wanted)
    return shares if covered and all(shares) else None


async def _leaders(platform: FaultPlatform, indexes: list[int]) -> list[int]:
    """The leads instances whose relay holds the outbox lease."""
    bodies = [await _ready_body(platform, "leads", i) for i in indexes]
    return [
        i
        for i, body in zip(indexes, bodies, strict=True)
        if body["checks"]["outbox_relay"] == "leader"
    ]


async def test_two_instances_share_partitions_and_one_relay_publishes(
    platform: FaultPlatform,
) -> None:
    await platform.start()
    await platform.start(["leads", "contacts"])  # a second instance of each
    shares = await eventually(
        lambda: _shares(platform, [0, 1]), timeout=90, interval=0.2, what="partitions split"
    )
    leaders = await eventually(
        lambda: _leaders(platform, [0, 1]), timeout=60, interval=0.2, what="a lease holder"
    )
    assert len(leaders) == 1, "both relays think they hold the lease"
    lease = await platform.db("leads")["leases"].find_one({"_id": "outbox-relay"})
    assert lease is not None

    ledger = Ledger()
    clients = platform.clients("leads")  # both instances, in turn
    await LeadLoad(
        clients, platform.auth(), f"{platform.run}a", total=150, rate=40, ledger=ledger
    ).run()
    await settle(platform)

    # one contacts instance dies while idle: the other takes over all its partitions
    platform.kill("contacts", 1)
    await eventually(lambda: _shares(platform, [0]), timeout=90, interval=0.2, what="takeover")

    # the lease holder dies: the survivor's relay takes over within the lease time
    holder, survivor = leaders[0], 1 - leaders[0]
    platform.kill("leads", holder)
    killed_at = time.monotonic()
    running = LeadLoad(
        [platform.client("leads", survivor)],
        platform.auth(),
        f"{platform.run}b",
        total=90,
        rate=30,
        ledger=ledger,
    ).start()
    # how long it took is printed, not asserted (a loaded machine delays the renewal loop)
    await eventually(
        lambda: _leaders(platform, [survivor]), timeout=LEASE_S * 10, interval=0.1, what="handover"
    )
    handover = time.monotonic() - killed_at
    await running

    assert ledger.unexpected() == [], ledger.statuses()
    report = await verify_flow(platform, ledger)
    print(f"shares {[len(s) for s in shares]}, handover {handover:.1f} s; {report.summary()}")
