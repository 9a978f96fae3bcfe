"""The outbox on ``/metrics``: a backlog while the broker is unreachable, drained once it
is back; and a scrape that still answers, without the outbox, while MongoDB is frozen."""

from __future__ import annotations

import time
from pathlib import Path

from crm_devstack.observability import Scrape, scrape
from crm_devstack.servers import ManagedProcess, free_port, mongo_url, start_broker, start_mongo
from crm_devstack.testing import (
    Backend,
    TokenMinter,
    eventually,
    isolated_settings,
    running_app,
    unique_name,
)
from leads.main import create_app
from leads.settings import LeadsSettings


async def test_backlog_grows_while_the_broker_is_away_and_drains_when_it_is_back(
    backend: Backend, minter: TokenMinter, tmp_path: Path
) -> None:
    broker_port = free_port()
    mongo = start_mongo(data_dir=tmp_path / "mongo", log_path=tmp_path / "mongo.log")
    broker: ManagedProcess | None = None
    values = isolated_settings(backend, minter, "leads")
    values.update(mongo_url=mongo_url(mongo.port), kafka_bootstrap=f"127.0.0.1:{broker_port}")
    settings = LeadsSettings(**values)
    auth = minter.headers(tenant=unique_name("tenant_"), roles=["admin"])
    try:
        async with running_app(create_app(settings)) as client:
            for i in range(3):
                created = await client.post("/v1/leads", json={"last_name": f"L{i}"}, headers=auth)
                assert created.status_code == 201, created.text
            waiting = await scrape(client)
            assert waiting.value("crm_outbox_backlog") == 3
            age = waiting.value("crm_outbox_oldest_age_seconds")
            assert age is not None and age > 0
            assert waiting.value("crm_outbox_published_total") == 0

            mongo.pause()
            started = time.monotonic()
            frozen = await scrape(client)
            assert time.monotonic() - started < 5, "a frozen database does not hold the scrape"
            assert frozen.value("crm_metrics_source_up", source="outbox") == 0
            assert frozen.value("crm_outbox_backlog") is None
            assert frozen.value("crm_metrics_source_up", source="runtime") == 1
            assert frozen.value("crm_outbox_published_total") == 0
            mongo.resume()

            broker = start_broker(port=broker_port, log_path=tmp_path / "broker.log")

            async def drained() -> Scrape | None:
                now = await scrape(client)
                done = now.value("crm_outbox_published_total") == 3
                return now if done and now.value("crm_outbox_backlog") == 0 else None

            after = await eventually(drained, timeout=40, what="outbox drained")
            assert after.value("crm_metrics_source_up", source="outbox") == 1
            assert after.value("crm_outbox_oldest_age_seconds") == 0
    finally:
        if broker is not None:
            broker.stop()
        mongo.stop()
