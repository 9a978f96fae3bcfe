"""``/metrics`` of service apps on the real servers: requests by route template, consumer
lag and counters, dead letters."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer

from crm_devstack.observability import Scrape, scrape
from crm_devstack.testing import (
    Backend,
    TokenMinter,
    event_envelope,
    eventually,
    isolated_settings,
    publish_envelopes,
    running_app,
    unique_name,
)
from crm_shared.events.catalogue import LeadCreated, LeadSnapshot
from crm_shared.events.envelope import CloudEvent
from crm_shared.http.app import ServiceDefinition, create_service_app
from crm_shared.kafka.consumer import ConsumerSpec
from crm_shared.settings import ServiceSettings
from crm_shared.uow import Tx
from leads.main import create_app as create_leads_app
from leads.settings import LeadsSettings

REQUESTS = "crm_http_requests_total"


async def test_requests_are_counted_by_route_template_not_by_path(
    backend: Backend, minter: TokenMinter
) -> None:
    settings = LeadsSettings(**isolated_settings(backend, minter, "leads"))
    auth = minter.headers(tenant=unique_name("tenant_"), roles=["admin"])
    async with running_app(create_leads_app(settings)) as client:
        ids = []
        for name in ("Satu", "Dua"):
            created = await client.post("/v1/leads", json={"last_name": name}, headers=auth)
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
            assert (await client.get(f"/v1/leads/{ids[-1]}", headers=auth)).status_code == 200
        assert (await client.get("/v1/leads/lead_missing", headers=auth)).status_code == 404
        assert (await client.get("/nowhere")).status_code == 404
        assert (await client.request("BREW", "/v1/leads")).status_code == 405
        assert (await client.get("/healthz")).status_code == 200
        await client.get("/readyz")
        await scrape(client)

        found = await scrape(client)
        counted = {
            (s.labels["method"], s.labels["route"], s.labels["status"]): s.value
            for s in found.matching(REQUESTS)
        }
        assert counted == {
            ("POST", "/v1/leads", "201"): 2,
            ("GET", "/v1/leads/{lead_id}", "200"): 2,
            ("GET", "/v1/leads/{lead_id}", "404"): 1,
            ("GET", "unmatched", "404"): 1,
            ("other", "/v1/leads", "405"): 1,
        }, "health, readiness and scrapes are not counted; ids never become labels"
        latency = found.value(
            "crm_http_request_duration_seconds_count",
            method="POST",
            route="/v1/leads",
            status="201",
        )
        assert latency == 2
        assert found.value("crm_metrics_source_up", source="runtime") == 1
        assert found.value("crm_metrics_source_up", source="outbox") == 1

        async def relayed() -> Scrape | None:
            now = await scrape(client)
            done = now.value("crm_outbox_published_total") == 2
            return now if done and now.value("crm_outbox_backlog") == 0 else None

        after = await eventually(relayed, what="both events published")
        assert after.value("crm_outbox_relay_leader") == 1
        assert after.value("crm_outbox_oldest_age_seconds") == 0
        assert after.value("crm_consumer_handled_total", group="leads") == 0


def lead_created(lead_id: str, *, tenant: str) -> CloudEvent:
    snapshot = LeadSnapshot(
        lead_id=lead_id,
        last_name="X",
        source="web",
        status="new",
        rating="cold",
        score=0,
        version=1,
    )
    return event_envelope(LeadCreated(lead_id=lead_id, lead=snapshot), tenant_id=tenant)


async def test_consumer_lag_while_a_handler_is_stuck_then_zero_and_dead_letters_counted(
    backend: Backend, minter: TokenMinter
) -> None:
    settings = ServiceSettings(
        service_name="metrics", **isolated_settings(backend, minter, "metrics")
    )
    group = unique_name("metrics-")
    topic = settings.topic("leads")
    entered, gate = asyncio.Event(), asyncio.Event()

    async def stuck_until_opened(envelope: CloudEvent, event: LeadCreated, tx: Tx) -> None:
        entered.set()
        await gate.wait()

    app = create_service_app(
        ServiceDefinition(
            settings=settings,
            title="metrics test",
            routers=[],
            consumers=[
                ConsumerSpec(
                    group=group, topics=[topic], handlers={"LeadCreated": stuck_until_opened}
                )
            ],
        )
    )
    try:
        async with running_app(app) as client:
            # one key: the three records share a partition
            envelopes = [lead_created("lead_same", tenant="t1") for _ in range(3)]
            await publish_envelopes(settings.kafka_bootstrap, topic, envelopes)
            await asyncio.wait_for(entered.wait(), timeout=30)
            stuck = await scrape(client)
            assert stuck.total("crm_consumer_lag", group=group, topic=topic) >= 1
            assert stuck.value("crm_consumer_handled_total", group=group) == 0

            gate.set()

            async def caught_up() -> Scrape | None:
                now = await scrape(client)
                lags = now.matching("crm_consumer_lag", group=group, topic=topic)
                handled = now.value("crm_consumer_handled_total", group=group) == 3
                return now if handled and lags and all(s.value == 0 for s in lags) else None

            done = await eventually(caught_up, timeout=30, what="lag back to 0")
            assert done.value("crm_consumer_dead_lettered_total", group=group) == 0

            producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
            await producer.start()
            try:
                await producer.send_and_wait(topic, b"{not an event", key=b"lead_same")
            finally:
                await producer.stop()

            async def dead_lettered() -> bool:
                now = await scrape(client)
                return now.value("crm_consumer_dead_lettered_total", group=group) == 1

            await eventually(dead_lettered, timeout=30, what="the poison record dead-lettered")
    finally:
        gate.set()
