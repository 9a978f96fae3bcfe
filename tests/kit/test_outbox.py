"""Outbox against real servers: a broker outage loses no accepted write's event."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path

from crm_devstack.servers import free_port, start_broker
from crm_devstack.testing import (
    Backend,
    TokenMinter,
    TopicReader,
    eventually,
    isolated_settings,
    running_app,
    unique_name,
)
from crm_shared.events.catalogue import EventData, LeadDeleted
from crm_shared.events.envelope import parse_envelope
from crm_shared.kafka.producer import EventProducer
from crm_shared.mongo.client import make_client, service_database
from crm_shared.outbox_relay import OutboxRelay
from crm_shared.settings import ServiceSettings
from crm_shared.uow import Tx, UnitOfWork
from leads.main import create_app
from leads.settings import LeadsSettings


async def test_writes_accepted_while_broker_down_are_published_in_order_once(
    backend: Backend, minter: TokenMinter, tmp_path: Path
) -> None:
    if backend.kind != "embedded":
        import pytest

        pytest.skip("this scenario starts its own broker on the embedded backend")
    port = free_port()
    values = isolated_settings(backend, minter, "leads")
    values["kafka_bootstrap"] = f"127.0.0.1:{port}"
    settings = LeadsSettings(**values)
    tenant = unique_name("tenant_")
    auth = minter.headers(tenant=tenant, roles=["admin"])
    app = create_app(settings)
    broker = None
    try:
        async with running_app(app) as client:
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["kafka"] == "unreachable"

            lead_ids = []
            for i in range(15):
                created = await client.post(
                    "/v1/leads", json={"last_name": f"Outage {i}"}, headers=auth
                )
                assert created.status_code == 201, created.text
                lead_ids.append(created.json()["id"])
            for round_ in range(2):
                for lead_id in lead_ids:
                    patched = await client.patch(
                        f"/v1/leads/{lead_id}", json={"notes": f"round {round_}"}, headers=auth
                    )
                    assert patched.status_code == 200, patched.text
            backlog, _ = await app.state.runtime.relay.backlog()
            assert backlog == 45, "every event waits in the outbox"

            broker = start_broker(port=port, log_path=tmp_path / "late-broker.log")
            async with TopicReader(settings.kafka_bootstrap, settings.topic("leads")) as reader:
                records = await reader.wait_for_count(45, timeout=60)
                relay = app.state.runtime.relay

                async def drained() -> bool:
                    # rows are deleted after the broker acknowledged, a moment after the
                    # reader may already see the records
                    return bool((await relay.backlog())[0] == 0)

                await eventually(drained, what="outbox drained")

        events = [parse_envelope(r.value) for r in records]
        ids = [e.id for e in events]
        assert len(ids) == len(set(ids)) == 45, "each event exactly once"
        versions: dict[str, list[int]] = defaultdict(list)
        for record, event in zip(records, events, strict=True):
            assert record.key.decode() == event.subject
            versions[event.subject or ""].append(event.data["lead"]["version"])
        assert set(versions) == set(lead_ids)
        for lead_id, seen in versions.items():
            assert seen == [1, 2, 3], f"per-lead order broken for {lead_id}: {seen}"
    finally:
        if broker is not None:
            broker.stop()


async def test_a_commit_of_another_instance_wakes_the_relay_holding_the_lease(
    backend: Backend, minter: TokenMinter
) -> None:
    """With ``outbox_watch`` the lease holder publishes another instance's rows at once,
    not at its next safety-net scan (a minute here)."""
    values = isolated_settings(backend, minter, "leads") | {
        "outbox_watch": True,
        "outbox_poll_interval_s": 60.0,
    }
    settings = ServiceSettings(service_name="leads", **values)
    client = make_client(settings)
    db = service_database(client, settings)
    topics = {settings.topic("leads"): 1}
    holder = OutboxRelay(db, EventProducer(settings), settings, topics=topics, instance_id="a")
    other = OutboxRelay(db, EventProducer(settings), settings, topics=topics, instance_id="b")
    holder.start()
    try:
        await eventually(lambda: holder.is_leader, what="the first relay holds the lease")
        other.start()
        uow = UnitOfWork(client, db, settings, on_commit=other.wake)
        event = LeadDeleted(lead_id="lead_w", deleted_by="user_1")

        async def work(tx: Tx) -> None:
            await tx.emit(event, tenant_id="t1")

        async with TopicReader(settings.kafka_bootstrap, settings.topic("leads")) as reader:
            await uow.run(work)
            records = await reader.wait_for_count(1, timeout=20)
        assert parse_envelope(records[0].value).subject == "lead_w"
        assert not other.is_leader and holder.published == 1
    finally:
        await other.stop()
        await holder.stop()
        await client.close()


async def test_commits_and_scans_interleaved_publish_each_event_once_in_order(
    backend: Backend, minter: TokenMinter
) -> None:
    """Commits wake the relay while extra wake-ups (another instance's commit seen, the
    safety net) make it read the outbox again meanwhile. Every event leaves once, each
    lead's in order."""
    values = isolated_settings(backend, minter, "leads") | {"outbox_batch_size": 7}
    settings = ServiceSettings(service_name="leads", **values)
    client = make_client(settings)
    db = service_database(client, settings)
    relay = OutboxRelay(db, EventProducer(settings), settings, topics={settings.topic("leads"): 3})
    uow = UnitOfWork(client, db, settings, on_commit=relay.wake)
    relay.start()
    leads, per_lead = [f"lead_{i}" for i in range(4)], 15

    async def changes(lead_id: str) -> None:
        for n in range(per_lead):

            async def work(tx: Tx, n: int = n) -> None:
                await tx.emit(LeadDeleted(lead_id=lead_id, deleted_by=f"u{n}"), tenant_id="t1")

            await uow.run(work)
            if n % 4 == 0:
                relay.wake()  # as another instance's commit would

    try:
        async with TopicReader(settings.kafka_bootstrap, settings.topic("leads")) as reader:
            await asyncio.gather(*(changes(lead) for lead in leads))
            records = await reader.wait_for_count(len(leads) * per_lead, timeout=60)
        # each row was sent once: the relay's own count, once nothing is left to send
        outbox = db["outbox"]

        async def drained() -> bool:
            return await outbox.count_documents({}) == 0

        await eventually(drained, what="the outbox drained")
        assert relay.published == len(leads) * per_lead
        seen: dict[str, list[str]] = defaultdict(list)
        ids = []
        for record in reader.records:
            envelope = parse_envelope(record.value)
            ids.append(envelope.id)
            seen[envelope.subject or ""].append(envelope.data["deleted_by"])
        assert len(records) == len(set(ids)) == len(leads) * per_lead
        assert {lead: seen[lead] for lead in leads} == {
            lead: [f"u{n}" for n in range(per_lead)] for lead in leads
        }
    finally:
        await relay.stop()
        await client.close()


async def test_a_transactions_batch_of_events_is_stored_in_few_rows_and_leaves_in_order(
    backend: Backend, minter: TokenMinter
) -> None:
    """1,200 events of one transaction take three outbox rows (500, 500, 200) and reach
    Kafka once each, in order; the relay publishes whole rows, about ``outbox_batch_size``
    records at a time, beside the single-event rows of other transactions (all of one
    lead, so one partition keeps their order whatever the topic's partition count)."""
    values = isolated_settings(backend, minter, "leads") | {"outbox_batch_size": 700}
    settings = ServiceSettings(service_name="leads", **values)
    client = make_client(settings)
    db = service_database(client, settings)
    relay = OutboxRelay(db, EventProducer(settings), settings, topics={settings.topic("leads"): 1})
    uow = UnitOfWork(client, db, settings)
    many: list[EventData] = [
        LeadDeleted(lead_id="lead_bulk", deleted_by=f"u{n}") for n in range(1200)
    ]

    async def bulk(tx: Tx) -> None:
        await tx.emit_many(many, tenant_id="t1")

    async def single(tx: Tx) -> None:
        await tx.emit(LeadDeleted(lead_id="lead_bulk", deleted_by="alone"), tenant_id="t1")

    try:
        await uow.run(single)
        await uow.run(bulk)
        await uow.run(single)
        rows = await db["outbox"].find({}).sort("_id", 1).to_list()
        assert [len(row.get("records", [row])) for row in rows] == [1, 500, 500, 200, 1]
        async with TopicReader(settings.kafka_bootstrap, settings.topic("leads")) as reader:
            relay.start()
            records = await reader.wait_for_count(1202, timeout=60)

            async def drained() -> bool:
                return await db["outbox"].count_documents({}) == 0

            await eventually(drained, what="the outbox drained")
        assert relay.published == 1202
        events = [parse_envelope(r.value) for r in records]
        assert len({e.id for e in events}) == 1202
        assert [e.data["deleted_by"] for e in events] == [
            "alone",
            *(f"u{n}" for n in range(1200)),
            "alone",
        ]
    finally:
        await relay.stop()
        await client.close()
