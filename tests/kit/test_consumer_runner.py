"""The consumer runner on real servers: retries, dead letters, duplicate deliveries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from crm_devstack.testing import (
    Backend,
    TokenMinter,
    TopicReader,
    eventually,
    isolated_settings,
    wait_consumed,
)
from crm_shared.events.catalogue import LeadCreated, LeadSnapshot
from crm_shared.events.envelope import CloudEvent, new_envelope, parse_envelope
from crm_shared.kafka.consumer import ConsumerRunner, ConsumerSpec
from crm_shared.kafka.pacing import set_fetch_wait
from crm_shared.kafka.producer import EventProducer
from crm_shared.kafka.topics import ensure_topics
from crm_shared.mongo.client import make_client, service_database
from crm_shared.settings import ServiceSettings
from crm_shared.uow import Tx, UnitOfWork


@dataclass
class Rig:
    """A runner under test, a producer to feed it, and the handler's behaviour."""

    settings: ServiceSettings
    producer: AIOKafkaProducer
    uow: UnitOfWork
    topic: str
    failures_left: dict[str, int]
    runner: ConsumerRunner | None = None
    echo: bool = False
    """The handler also emits the event it got (to check what a batch stamps on events)."""
    options: dict[str, Any] = field(default_factory=dict)
    """More fields of the consumer spec (``inbox``, ``partition_concurrency``)."""

    def start(self) -> ConsumerRunner:
        async def handler(envelope: CloudEvent, event: LeadCreated, tx: Tx) -> None:
            if event.lead_id.startswith("lead_looked"):
                return  # an event this group only looks at: it writes nothing
            left = self.failures_left.get(event.lead_id, 0)
            if left:
                self.failures_left[event.lead_id] = left - 1
                raise RuntimeError(f"transient failure for {event.lead_id}")
            await tx.db["applied"].update_one(
                {"_id": event.lead_id}, {"$inc": {"count": 1}}, upsert=True, session=tx.session
            )
            if self.echo:
                await tx.emit(event, tenant_id=envelope.tenantid)

        spec = ConsumerSpec(
            group="runner-test",
            topics=[self.topic],
            handlers={"LeadCreated": handler},
            **self.options,
        )
        self.runner = ConsumerRunner(
            spec, settings=self.settings, uow=self.uow, dlq_producer=EventProducer(self.settings)
        )
        self.runner.start()
        return self.runner

    async def send(self, value: bytes, key: str = "k") -> None:
        await self.producer.send_and_wait(self.topic, value, key=key.encode())

    async def count(self, lead_id: str) -> int:
        doc = await self.uow.db["applied"].find_one({"_id": lead_id})
        return int(doc["count"]) if doc else 0


def lead_event(lead_id: str, *, type_: str = "LeadCreated", version: int = 1) -> CloudEvent:
    data = LeadCreated(
        lead_id=lead_id,
        lead=LeadSnapshot(
            lead_id=lead_id,
            last_name="X",
            source="web",
            status="new",
            rating="cold",
            score=0,
            version=1,
        ),
    ).model_dump(mode="json")
    return new_envelope(
        source="/tests", type_=type_, version=version, subject=lead_id, tenant_id="t1", data=data
    )


@pytest.fixture
async def rig(backend: Backend, minter: TokenMinter) -> AsyncIterator[Rig]:
    values = isolated_settings(backend, minter, "runner")
    settings = ServiceSettings(service_name="runner", consumer_max_attempts=3, **values)
    topic = settings.topic("leads")
    await ensure_topics(settings.kafka_bootstrap, {topic: 3})
    client = make_client(settings)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    await producer.start()
    rig = Rig(
        settings,
        producer,
        UnitOfWork(client, service_database(client, settings), settings),
        topic,
        {},
    )
    try:
        yield rig
    finally:
        if rig.runner is not None:
            await rig.runner.stop()
        await producer.stop()
        await client.close()


async def test_transient_failures_are_retried_and_applied_once(rig: Rig) -> None:
    rig.failures_left["lead_a"] = 2
    runner = rig.start()
    await rig.send(lead_event("lead_a").to_bytes(), key="lead_a")
    await eventually(lambda: rig.count("lead_a"), what="event applied")
    assert await rig.count("lead_a") == 1
    assert runner.stats.retries == 2 and runner.stats.dead_lettered == 0


async def test_poison_messages_go_to_the_dlq_and_the_partition_moves_on(rig: Rig) -> None:
    dlq = rig.settings.dlq_topic("runner-test")
    await ensure_topics(rig.settings.kafka_bootstrap, {dlq: 1})
    rig.failures_left["lead_always"] = 99
    runner = rig.start()
    poison = {
        "not json": b"{nope",
        "unknown type": lead_event("lead_u", type_="SomethingElse").to_bytes(),
        "wrong version": lead_event("lead_v", version=9).to_bytes(),
        "bad schema": new_envelope(
            source="/tests",
            type_="LeadCreated",
            version=1,
            subject="s",
            tenant_id="t1",
            data={"lead_id": "lead_s"},
        ).to_bytes(),
        "handler fails": lead_event("lead_always").to_bytes(),
    }
    async with TopicReader(rig.settings.kafka_bootstrap, dlq) as reader:
        for value in poison.values():
            await rig.send(value, key="same-key")
        await rig.send(lead_event("lead_ok").to_bytes(), key="same-key")
        dead = await reader.wait_for_count(len(poison), timeout=30)
    await eventually(lambda: rig.count("lead_ok"), what="message after the poison")
    reasons = sorted(dict(r.headers)["dlq.reason"].decode() for r in dead)
    assert reasons == sorted(
        [
            "invalid-envelope",
            "unknown-type",
            "unsupported-version",
            "schema-mismatch",
            "handler-failed",
        ]
    )
    for record in dead:
        headers = dict(record.headers)
        assert record.key == b"same-key"
        assert headers["dlq.original.topic"] == rig.topic.encode()
        assert headers["dlq.error"]
    assert runner.stats.dead_lettered == len(poison)
    assert {r.value for r in dead} == set(poison.values()), "original bytes kept"


async def test_same_event_delivered_twice_applies_once(rig: Rig) -> None:
    runner = rig.start()
    value = lead_event("lead_dup").to_bytes()
    await rig.send(value, key="lead_dup")
    await rig.send(value, key="lead_dup")
    await eventually(lambda: runner.stats.duplicates == 1, what="duplicate seen")
    assert await rig.count("lead_dup") == 1


async def test_events_a_handler_writes_nothing_for_leave_no_inbox_key(rig: Rig) -> None:
    """No key for an event whose handler touched no transaction (applied again it still
    writes nothing); one for each event that wrote, so its redelivery stays a no-op."""
    runner = rig.start()
    wrote = lead_event("lead_wrote").to_bytes()
    for value in [
        lead_event("lead_looked1").to_bytes(),
        wrote,
        lead_event("lead_looked2").to_bytes(),
    ]:
        await rig.send(value, key="mixed")
    await rig.send(wrote, key="mixed")
    await wait_consumed(
        rig.settings.kafka_bootstrap, group=rig.settings.group_id("runner-test"), topic=rig.topic
    )
    assert await rig.count("lead_wrote") == 1
    keys = [doc["_id"] async for doc in rig.uow.db["inbox"].find({})]
    assert len(keys) == 1 and keys[0].startswith("runner-test:")
    assert runner.stats.handled + runner.stats.duplicates == 4


async def test_restarted_runner_resumes_after_committed_offsets(rig: Rig) -> None:
    runner = rig.start()
    for i in range(5):
        await rig.send(lead_event(f"lead_{i}").to_bytes(), key=f"lead_{i}")
    await eventually(lambda: runner.stats.handled == 5, what="first five handled")
    await runner.stop()
    second = rig.start()
    await rig.send(lead_event("lead_after").to_bytes(), key="lead_after")
    await eventually(lambda: rig.count("lead_after"), timeout=30, what="new runner consumes")
    await asyncio.sleep(0)  # let the stats settle in this loop iteration
    assert second.stats.handled == 1 and second.stats.duplicates == 0, "nothing redelivered"
    assert all([await rig.count(f"lead_{i}") == 1 for i in range(5)])


async def test_wait_consumed_returns_once_the_group_committed_everything(rig: Rig) -> None:
    rig.start()
    for i in range(6):
        await rig.send(lead_event(f"lead_w{i}").to_bytes(), key=f"lead_w{i}")
    await wait_consumed(
        rig.settings.kafka_bootstrap, group=rig.settings.group_id("runner-test"), topic=rig.topic
    )
    assert [await rig.count(f"lead_w{i}") for i in range(6)] == [1] * 6


async def test_partitions_handled_one_at_a_time_still_apply_everything(rig: Rig) -> None:
    rig.settings = rig.settings.model_copy(update={"consumer_partition_concurrency": 1})
    rig.start()
    for i in range(9):
        await rig.send(lead_event(f"lead_c{i}").to_bytes(), key=f"lead_c{i}")
    await wait_consumed(
        rig.settings.kafka_bootstrap, group=rig.settings.group_id("runner-test"), topic=rig.topic
    )
    assert [await rig.count(f"lead_c{i}") for i in range(9)] == [1] * 9


async def test_a_group_without_inbox_writes_no_keys_and_sees_redeliveries(rig: Rig) -> None:
    """``inbox=False`` is for handlers keyed by the event themselves: the runner records
    nothing, so a redelivery reaches the handler again (here it counts twice)."""
    rig.options = {"inbox": False, "partition_concurrency": 0}
    rig.settings = rig.settings.model_copy(update={"consumer_partition_concurrency": 1})
    rig.start()
    value = lead_event("lead_noinbox").to_bytes()
    for _ in range(2):
        await rig.send(value, key="lead_noinbox")
    for i in range(6):
        await rig.send(lead_event(f"lead_n{i}").to_bytes(), key=f"lead_n{i}")
    await wait_consumed(
        rig.settings.kafka_bootstrap, group=rig.settings.group_id("runner-test"), topic=rig.topic
    )
    assert await rig.count("lead_noinbox") == 2
    assert [await rig.count(f"lead_n{i}") for i in range(6)] == [1] * 6
    assert await rig.uow.db["inbox"].count_documents({}) == 0


async def test_plain_if_decides_event_by_event_which_are_applied_without_inbox(rig: Rig) -> None:
    """Events ``plain_if`` picks are applied as idempotent ones (no transaction, no inbox
    key: the counting handler sees their redelivery); the others keep their inbox key."""

    async def plain_if(uow: UnitOfWork, envelope: CloudEvent) -> bool:
        return (envelope.subject or "").startswith("lead_plain")

    rig.options = {"plain_if": plain_if}
    runner = rig.start()
    plain, kept = lead_event("lead_plain"), lead_event("lead_kept")
    for event in (plain, plain, kept, kept):
        await rig.send(event.to_bytes(), key=event.subject or "")
    await wait_consumed(
        rig.settings.kafka_bootstrap, group=rig.settings.group_id("runner-test"), topic=rig.topic
    )
    assert await rig.count("lead_plain") == 2
    assert await rig.count("lead_kept") == 1 and runner.stats.duplicates == 1
    keys = [doc["_id"] async for doc in rig.uow.db["inbox"].find({})]
    assert keys == [f"runner-test:{kept.id}"]


async def test_a_backlog_is_applied_in_batches_each_event_once_with_its_own_causation(
    rig: Rig,
) -> None:
    rig.echo = True
    sent = [lead_event(f"lead_b{i}") for i in range(20)]
    for event in sent:  # one key: one partition, fetched together once the runner starts
        await rig.send(event.to_bytes(), key="backlog")
    runner = rig.start()
    await wait_consumed(
        rig.settings.kafka_bootstrap, group=rig.settings.group_id("runner-test"), topic=rig.topic
    )
    assert [await rig.count(f"lead_b{i}") for i in range(20)] == [1] * 20
    assert runner.stats.handled == 20 and runner.stats.batches >= 1
    caused = {}
    async for row in rig.uow.db["outbox"].find({}):
        envelope = parse_envelope(row["value"])
        caused[envelope.subject] = (envelope.causationid, envelope.correlationid)
    assert caused == {e.subject: (e.id, e.id) for e in sent}


async def test_a_batch_with_a_duplicate_and_a_failing_event_splits_and_loses_nothing(
    rig: Rig,
) -> None:
    dlq = rig.settings.dlq_topic("runner-test")
    await ensure_topics(rig.settings.kafka_bootstrap, {dlq: 1})
    rig.failures_left["lead_bad"] = 99
    first = lead_event("lead_d0")
    backlog = [first, *(lead_event(f"lead_d{i}") for i in range(1, 6)), first]
    backlog.insert(3, lead_event("lead_bad"))
    async with TopicReader(rig.settings.kafka_bootstrap, dlq) as reader:
        for event in backlog:
            await rig.send(event.to_bytes(), key="mixed")
        runner = rig.start()
        dead = await reader.wait_for_count(1, timeout=30)
    await wait_consumed(
        rig.settings.kafka_bootstrap, group=rig.settings.group_id("runner-test"), topic=rig.topic
    )
    assert [await rig.count(f"lead_d{i}") for i in range(6)] == [1] * 6
    assert await rig.count("lead_bad") == 0
    assert parse_envelope(dead[0].value).subject == "lead_bad"
    assert runner.stats.duplicates == 1 and runner.stats.dead_lettered == 1


async def test_an_idle_consumer_long_polls_and_turns_eager_when_records_come(rig: Rig) -> None:
    rig.settings = rig.settings.model_copy(
        update={
            "kafka_fetch_busy_wait_ms": 10,
            "kafka_fetch_max_wait_ms": 300,
            "kafka_fetch_idle_after_ms": 200,
        }
    )
    runner = rig.start()
    # aiokafka builds each fetch request from the attribute the pacer sets
    await eventually(lambda: _fetch_wait(runner) == 300, what="idle long poll")
    await rig.send(lead_event("lead_p").to_bytes(), key="lead_p")
    await eventually(lambda: rig.count("lead_p"), what="event applied after idle")
    await eventually(lambda: _fetch_wait(runner) == 300, what="idle again")


def _fetch_wait(runner: ConsumerRunner) -> int:
    return runner._pacer.wait_ms


async def test_set_fetch_wait_writes_the_wait_aiokafka_builds_fetches_from(rig: Rig) -> None:
    consumer = AIOKafkaConsumer(
        rig.topic,
        bootstrap_servers=rig.settings.kafka_bootstrap,
        group_id="fetch-wait-test",
        fetch_max_wait_ms=123,
        session_timeout_ms=2000,
        heartbeat_interval_ms=300,
    )
    await consumer.start()
    try:
        assert consumer._fetcher._fetch_max_wait_ms == 123  # the constructor's value lives here
        set_fetch_wait(consumer, 7)
        assert consumer._fetcher._fetch_max_wait_ms == 7
    finally:
        await consumer.stop()
