"""The delivery queue against the real MongoDB: idempotent enqueue, claims shared by
instances, group order, retries, replays, expired claims and the dispatcher loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from crm_devstack.testing import Backend, eventually, unique_name
from crm_shared.delivery_queue import (
    DeliveryQueue,
    Dispatcher,
    Enqueued,
    EnqueueOnCommit,
    Job,
    Outcome,
    backoff_delay,
    queue_indexes,
)
from crm_shared.ids import utcnow
from crm_shared.mongo.client import make_client
from crm_shared.mongo.indexes import ensure_indexes
from crm_shared.mongo.transactions import run_in_transaction
from crm_shared.settings import ServiceSettings
from crm_shared.uow import Tx, UnitOfWork

Document = dict[str, Any]
TENANT = "tenant_a"


@pytest.fixture(scope="module")
async def mongo(backend: Backend) -> AsyncIterator[AsyncMongoClient[Document]]:
    """A client of the session's MongoDB."""
    client = make_client(ServiceSettings(mongo_url=backend.mongo_url))
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def db(mongo: AsyncMongoClient[Document]) -> AsyncDatabase[Document]:
    """A fresh database with the queue's indexes."""
    database = mongo[unique_name("t_queue_")]
    await ensure_indexes(database, queue_indexes("jobs"))
    return database


def in_tx(
    db: AsyncDatabase[Document],
) -> Callable[[Callable[[AsyncClientSession], Awaitable[Any]]], Awaitable[Any]]:
    """Run ``work(session)`` in one transaction of ``db``'s client."""

    async def run(work: Callable[[AsyncClientSession], Awaitable[Any]]) -> Any:
        return await run_in_transaction(db.client, work)

    return run


async def enqueue(queue: DeliveryQueue, jobs: Sequence[Document]) -> list[str]:
    """Enqueue ``jobs`` in a transaction of their own; returns the new ids."""
    ids: list[str] = await in_tx(queue.jobs.database)(lambda s: queue.enqueue(s, jobs))
    return ids


def job(id_: str, tenant: str = TENANT, **fields: Any) -> Document:
    """A job document to enqueue."""
    return {"_id": id_, "tenant_id": tenant, **fields}


async def test_enqueue_ignores_duplicates_and_other_tenants_ids(
    db: AsyncDatabase[Document],
) -> None:
    queue = DeliveryQueue(db, "jobs")
    assert await enqueue(queue, [job("j1", n=1), job("j2"), job("j1", n=2)]) == ["j1", "j2"]
    assert await enqueue(queue, [job("j1", n=3), job("j3")]) == ["j3"]
    assert await enqueue(queue, [job("j2", tenant="tenant_b")]) == []
    stored = await db["jobs"].find({}).sort("_id", 1).to_list()
    assert [(d["_id"], d["tenant_id"], d["status"]) for d in stored] == [
        ("j1", TENANT, "queued"),
        ("j2", TENANT, "queued"),
        ("j3", TENANT, "queued"),
    ]
    assert stored[0]["n"] == 1, "the first enqueue wins"
    with pytest.raises(ValueError, match="reserved"):
        await enqueue(queue, [job("j4", status="done")])


async def test_enqueue_joins_the_callers_transaction(db: AsyncDatabase[Document]) -> None:
    queue = DeliveryQueue(db, "jobs")

    async def work(session: AsyncClientSession) -> None:
        await queue.enqueue(session, [job("rolled-back")])
        raise RuntimeError("the caller's work failed")

    with pytest.raises(RuntimeError):
        await in_tx(db)(work)
    assert await db["jobs"].count_documents({}) == 0


async def test_claims_are_exclusive_between_instances(db: AsyncDatabase[Document]) -> None:
    await enqueue(DeliveryQueue(db, "jobs"), [job(f"j{i:03d}") for i in range(120)])
    first, second = DeliveryQueue(db, "jobs"), DeliveryQueue(db, "jobs")
    claims: list[Job] = []
    while batches := [
        b for b in await asyncio.gather(*(q.claim(50) for q in (first, second) * 2)) if b
    ]:
        claims += [j for b in batches for j in b]
    ids = [j.id for j in claims]
    assert len(ids) == len(set(ids)) == 120, "every job claimed exactly once"
    assert all(j.attempts == 1 and j.doc["status"] == "claimed" for j in claims)
    stored = await db["jobs"].find({"_id": "j000"}).to_list()
    assert stored[0]["claimed_by"] in {first.instance_id, second.instance_id}


async def test_group_runs_one_at_a_time_in_enqueue_order(db: AsyncDatabase[Document]) -> None:
    queue = DeliveryQueue(db, "jobs")
    await enqueue(queue, [job("g1", group="sub:order-1"), job("g2", group="sub:order-1")])
    await enqueue(queue, [job("g3", group="sub:order-1"), job("other", group="sub:order-2")])

    claimed = await queue.claim(10)
    assert sorted(j.id for j in claimed) == ["g1", "other"]
    g1 = next(j for j in claimed if j.id == "g1")
    await queue.finish([Outcome.retry(g1, due_at=utcnow(), error="busy")])
    assert [j.id for j in await queue.claim(10)] == ["g1"], "a retried head keeps its place"

    # the head's replacement claim above is what finishes it
    g1 = Job({**g1.doc, **(await db["jobs"].find_one({"_id": "g1"}) or {})})
    await queue.finish([Outcome.done(g1, reply="ok")])
    g2 = await queue.claim(10)
    assert [j.id for j in g2] == ["g2"]
    await queue.finish([Outcome.failed(g2[0], error="gave up")])
    g3 = await queue.claim(10)
    assert [j.id for j in g3] == ["g3"], "a failed job lets the group go on"
    await queue.finish([Outcome.done(g3[0])])
    assert await db["jobs_groups"].find_one({"_id": f"{TENANT}/sub:order-1"}) is None

    await enqueue(queue, [job("g4", group="sub:order-1")])
    assert [j.id for j in await queue.claim(10)] == ["g4"], "an idle group starts afresh"


async def test_retry_waits_until_due_and_counts_attempts(db: AsyncDatabase[Document]) -> None:
    queue = DeliveryQueue(db, "jobs")
    await enqueue(queue, [job("r1")])
    (first,) = await queue.claim(5)
    applied = await queue.finish(
        [Outcome.retry(first, due_at=utcnow() + timedelta(milliseconds=300), error="451")]
    )
    assert applied
    assert await queue.claim(5) == []
    assert await queue.next_due() is not None
    second = await eventually(lambda: queue.claim(5), timeout=5, what="retry due")
    assert second[0].attempts == 2
    assert second[0].doc["error"] == "451"


async def test_reopen_replays_a_failed_job_of_its_tenant(db: AsyncDatabase[Document]) -> None:
    queue = DeliveryQueue(db, "jobs")
    await enqueue(queue, [job("f1")])
    (claimed,) = await queue.claim(5)
    await queue.finish([Outcome.failed(claimed, error="550")])
    assert await queue.reopen("tenant_b", "f1") is None
    assert await queue.reopen(TENANT, "missing") is None
    reopened = await queue.reopen(TENANT, "f1", fields={"error": None})
    assert reopened is not None
    assert (reopened["status"], reopened["attempts"], reopened["replays"]) == ("queued", 0, 1)
    assert [j.id for j in await queue.claim(5)] == ["f1"]
    assert await queue.reopen(TENANT, "f1") is None, "only failed jobs are replayed"


async def test_expired_claims_go_to_the_caller_and_the_old_holder_loses(
    db: AsyncDatabase[Document],
) -> None:
    dead = DeliveryQueue(db, "jobs", claim_timeout_s=0.05)
    await enqueue(dead, [job("x1"), job("x2")])
    held = await dead.claim(5)
    assert len(held) == 2
    survivor = DeliveryQueue(db, "jobs")
    expired = await eventually(survivor.expired_claims, timeout=5, what="claims expired")
    assert sorted(j.id for j in expired) == ["x1", "x2"]
    await survivor.finish([Outcome.failed(j, error="interrupted") for j in expired])
    assert await survivor.expired_claims() == []
    assert await dead.finish([Outcome.done(j) for j in held]) == [], "claim lost"
    docs = await db["jobs"].find({}).to_list()
    assert {d["status"] for d in docs} == {"failed"}


async def test_extend_keeps_a_live_claim_from_expiring(db: AsyncDatabase[Document]) -> None:
    queue = DeliveryQueue(db, "jobs", claim_timeout_s=0.5)
    await enqueue(queue, [job("e1")])
    held = await queue.claim(1)
    await asyncio.sleep(0.3)  # a pause shorter than the claim timeout, to renew within it
    await queue.extend(held)
    await asyncio.sleep(0.3)
    assert await queue.expired_claims() == []


def test_backoff_grows_with_jitter_and_stays_capped() -> None:
    delays = [backoff_delay(n, base_s=1.0, cap_s=30.0) for n in range(1, 12)]
    assert 0.1 <= delays[0] <= 1.0
    assert all(d <= 30.0 for d in delays)
    assert max(backoff_delay(10, base_s=1.0, cap_s=30.0) for _ in range(20)) >= 3.0


async def test_dispatcher_runs_batches_keeping_group_order(db: AsyncDatabase[Document]) -> None:
    queue = DeliveryQueue(db, "jobs")
    running: set[str] = set()
    order: dict[str, list[int]] = {}
    settled: list[int] = []

    async def handler(j: Job) -> Outcome:
        group = str(j.doc.get("group"))
        assert group not in running, "two jobs of one group at once"
        running.add(group)
        await asyncio.sleep(0.005)
        order.setdefault(group, []).append(int(j.doc["n"]))
        running.discard(group)
        return Outcome.done(j)

    async def settle(outcomes: list[Outcome]) -> None:
        settled.append(len(outcomes))
        await queue.finish(outcomes)

    dispatcher = Dispatcher(queue, handler, concurrency=8, batch_size=40, settle=settle)
    dispatcher.start()
    try:
        for first in range(0, 60, 20):
            jobs = [job(f"d{n:03d}", group=f"g{n % 3}", n=n) for n in range(first, first + 20)]
            ids = await enqueue(queue, jobs)
            if first == 20:
                dispatcher.wake()  # found by a scan
            else:
                dispatcher.offer(ids)  # claimed by id
        await eventually(lambda: dispatcher.processed == 60, timeout=20, what="60 jobs settled")
    finally:
        await asyncio.wait_for(dispatcher.stop(), timeout=15)
    assert order == {f"g{g}": [n for n in range(60) if n % 3 == g] for g in range(3)}
    assert await db["jobs"].count_documents({"status": "done"}) == 60
    assert len(settled) < 60, "outcomes are settled in batches"


async def test_dispatcher_counts_settled_outcomes_by_status(db: AsyncDatabase[Document]) -> None:
    queue = DeliveryQueue(db, "jobs")

    async def handler(j: Job) -> Outcome:
        if j.id == "bad":
            return Outcome.failed(j, error="gave up")
        if j.id == "again" and j.attempts == 1:
            return Outcome.retry(j, due_at=utcnow(), error="busy")
        return Outcome.done(j)

    dispatcher = Dispatcher(queue, handler, concurrency=2, poll_interval_s=0.05)
    dispatcher.start()
    try:
        dispatcher.offer(await enqueue(queue, [job("ok1"), job("ok2"), job("bad"), job("again")]))
        await eventually(lambda: dispatcher.processed == 5, timeout=20, what="5 outcomes settled")
    finally:
        await asyncio.wait_for(dispatcher.stop(), timeout=15)
    assert dispatcher.settled == {"done": 3, "failed": 1, "queued": 1}


async def test_dispatcher_hands_expired_claims_over_and_stops_in_time(
    db: AsyncDatabase[Document],
) -> None:
    dead = DeliveryQueue(db, "jobs", claim_timeout_s=0.1)
    await enqueue(dead, [job("lost")])
    await dead.claim(1)
    seen: list[str] = []

    async def never(j: Job) -> Outcome:
        raise AssertionError("nothing is due")

    async def on_expired(jobs: list[Job]) -> None:
        seen.extend(j.id for j in jobs)
        await dead.finish([Outcome.failed(j, error="interrupted") for j in jobs])

    live = Dispatcher(
        DeliveryQueue(db, "jobs", claim_timeout_s=0.3),
        never,
        concurrency=1,
        poll_interval_s=0.05,
        on_expired=on_expired,
    )
    live.start()
    try:
        await eventually(lambda: seen == ["lost"], timeout=5, what="expired claim handed over")
    finally:
        await asyncio.wait_for(live.stop(), timeout=5)


async def put_plain(queue: DeliveryQueue, jobs: Sequence[Document], *, claim: bool) -> Enqueued:
    """Enqueue ``jobs`` outside a transaction (each new head or ungrouped job one insert)."""
    async with queue.jobs.database.client.start_session() as session:
        return await queue.put(session, jobs, claim=claim)


async def test_put_claims_what_may_run_now_and_ignores_duplicates(
    db: AsyncDatabase[Document],
) -> None:
    queue = DeliveryQueue(db, "jobs")
    later = utcnow() + timedelta(hours=1)
    jobs = [
        job("a"),
        job("h1", group="g", n=1),
        job("h2", group="g", n=2),
        job("soon", due_at=later),
    ]
    put = await put_plain(queue, jobs, claim=True)
    assert put.ids == ["a", "h1", "h2", "soon"]
    assert sorted(j.id for j in put.claimed) == ["a", "h1"], "due, and not behind another"
    assert all(j.attempts == 1 and j.doc["claimed_by"] == queue.instance_id for j in put.claimed)
    stored = {d["_id"]: d async for d in db["jobs"].find({})}
    assert stored["h2"]["status"] == "waiting"
    assert stored["soon"]["status"] == "queued"
    assert stored["h1"]["head"] == f"{TENANT}/g" and "head" not in stored["h2"]
    again = await put_plain(
        queue, [job("a"), job("h1", group="g"), job("h3", group="g")], claim=True
    )
    assert (again.ids, again.claimed) == (["h3"], []), "redeliveries are ignored"
    assert await queue.claim(10) == [], "nothing else may run"

    (h1,) = [j for j in put.claimed if j.id == "h1"]
    await queue.finish([Outcome.done(h1)])
    assert [j.id for j in await queue.claim(10)] == ["h2"], "the next of the group"


async def test_a_group_gets_one_head_when_enqueued_from_many_places_at_once(
    db: AsyncDatabase[Document],
) -> None:
    queue = DeliveryQueue(db, "jobs")
    plain = [put_plain(queue, [job(f"p{i}", group="race")], claim=False) for i in range(6)]
    in_tx = [enqueue(queue, [job(f"t{i}", group="race")]) for i in range(2)]
    await asyncio.gather(*plain, *in_tx)
    docs = await db["jobs"].find({}).to_list()
    assert len([d for d in docs if "head" in d]) == 1
    assert sorted(d["seq"] for d in docs) == list(range(1, 9)), "numbered without gaps"

    order: list[str] = []
    while len(order) < 8:
        claimed = await queue.claim(10)
        assert len(claimed) == 1, "one at a time"
        order.append(claimed[0].id)
        await queue.finish([Outcome.done(claimed[0])])
    by_id = {d["_id"]: d["seq"] for d in docs}
    assert [by_id[i] for i in order] == list(range(1, 9)), "in the order numbered"


async def test_a_job_handed_to_a_dispatcher_that_died_is_retried_after_its_claim(
    db: AsyncDatabase[Document],
) -> None:
    dead = DeliveryQueue(db, "jobs", claim_timeout_s=0.2)
    put = await put_plain(dead, [job("handed", group="g"), job("next", group="g")], claim=True)
    assert [j.id for j in put.claimed] == ["handed"]  # ... and its instance died right there
    done: list[str] = []

    async def deliver(j: Job) -> Outcome:
        done.append(j.id)
        return Outcome.done(j)

    survivor = DeliveryQueue(db, "jobs", claim_timeout_s=0.6)  # looks every 0.2 s

    async def retry(jobs: list[Job]) -> None:
        await survivor.finish([Outcome.retry(j, due_at=utcnow()) for j in jobs])

    dispatcher = Dispatcher(
        survivor, deliver, concurrency=2, poll_interval_s=0.05, on_expired=retry
    )
    dispatcher.start()
    try:
        await eventually(lambda: done == ["handed", "next"], timeout=10, what="both delivered")
    finally:
        await asyncio.wait_for(dispatcher.stop(), timeout=10)
    stored = {d["_id"]: d async for d in db["jobs"].find({})}
    assert stored["handed"]["attempts"] == 2
    assert {d["status"] for d in stored.values()} == {"done"}


class ClaimingRig:
    """A dispatcher whose jobs are enqueued claimed for it (``EnqueueOnCommit`` with the
    dispatcher), recording the ids it ran and those offered instead."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.ran: list[str] = []
        self.offered: list[str] = []
        self.dispatcher = Dispatcher(
            DeliveryQueue(db, "jobs"), self._run, concurrency=2, poll_interval_s=3600
        )
        self.enqueue = EnqueueOnCommit(
            "jobs", self.offered.extend, dispatcher=lambda: self.dispatcher
        )
        self.uow = UnitOfWork(db.client, db, ServiceSettings())

    async def _run(self, j: Job) -> Outcome:
        self.ran.append(j.id)
        return Outcome.done(j)


async def test_a_dispatcher_runs_jobs_enqueued_for_it_without_claiming_them(
    db: AsyncDatabase[Document],
) -> None:
    rig = ClaimingRig(db)
    dispatcher, enqueue_on_commit, offered, ran = rig.dispatcher, rig.enqueue, rig.offered, rig.ran
    dispatcher.start()
    try:
        await rig.uow.run_without_transaction(
            lambda tx: _add(enqueue_on_commit, tx, [job("x"), job("y", group="g")])
        )
        await eventually(lambda: dispatcher.processed == 2, timeout=10, what="both settled")
    finally:
        await asyncio.wait_for(dispatcher.stop(), timeout=10)
    assert sorted(ran) == ["x", "y"]
    assert offered == [], "nothing left to claim"
    assert await db["jobs"].count_documents({"status": "done", "attempts": 1}) == 2


async def _add(target: EnqueueOnCommit, tx: Tx, jobs: list[Document]) -> None:
    target.add(tx, jobs)


async def test_jobs_enqueued_for_a_stopped_dispatcher_go_back_to_the_queue(
    db: AsyncDatabase[Document],
) -> None:
    rig = ClaimingRig(db)
    dispatcher, enqueue_on_commit, offered = rig.dispatcher, rig.enqueue, rig.offered
    dispatcher.start()

    async def stop() -> None:
        await asyncio.wait_for(dispatcher.stop(), timeout=10)

    async def work(tx: Tx) -> None:
        enqueue_on_commit.add(tx, [job("late")])  # written claimed just before the commit
        tx.before_commit(stop)  # then the dispatcher stops, before the commit hands it over

    await rig.uow.run(work)

    async def released() -> Document | None:
        return await db["jobs"].find_one({"_id": "late", "status": "queued"})

    back = await eventually(released, timeout=10, what="the claim given back")
    assert back["attempts"] == 0 and "claim" not in back and "claimed_by" not in back
    assert dispatcher.processed == 0 and offered == []  # it was claimed, not offered
