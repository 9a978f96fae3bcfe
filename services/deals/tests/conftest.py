"""Fixtures for the deals service tests: one running app on the real servers for the session,
a fresh tenant per test (tenants are isolated, so tests never see each other's data)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from crm_devstack.testing import (
    Backend,
    RunningService,
    TenantView,
    TokenMinter,
    TopicReader,
    isolated_settings,
    running_app,
    unique_name,
)
from crm_shared.kafka.topics import ensure_topics
from deals.main import create_app
from deals.settings import DealsSettings


@dataclass
class DealsApp(RunningService[DealsSettings]):
    """The session's running deals app and a reader of everything it publishes."""


@dataclass
class DealsHarness(TenantView[DealsSettings]):
    """The shared app seen from one test's own tenant."""

    async def create(self, headers: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
        """Create a deal (as admin unless ``headers``) and return its body."""
        body = {"name": "Lisensi ERP", "amount": "1000000", **fields}
        response = await self.client.post("/v1/deals", json=body, headers=headers or self.auth())
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def move(self, deal_id: str, stage: str, **extra: Any) -> httpx.Response:
        """``POST /v1/deals/{id}/stage`` as admin."""
        return await self.client.post(
            f"/v1/deals/{deal_id}/stage", json={"stage": stage, **extra}, headers=self.auth()
        )

    async def deals(self, **params: Any) -> list[dict[str, Any]]:
        """Every deal of the tenant matching ``params`` (first page of 200)."""
        response = await self.client.get(
            "/v1/deals", params={"limit": 200, **params}, headers=self.auth()
        )
        assert response.status_code == 200, response.text
        return list(response.json()["items"])


@pytest.fixture(scope="session")
async def deals_app(backend: Backend, minter: TokenMinter) -> AsyncIterator[DealsApp]:
    """One deals app for the whole session (its own database and topics)."""
    settings = DealsSettings(**isolated_settings(backend, minter, "deals"))
    app = create_app(settings)
    topic = settings.topic("deals")
    await ensure_topics(settings.kafka_bootstrap, {topic: settings.kafka_partitions})
    async with (
        running_app(app) as client,
        TopicReader(settings.kafka_bootstrap, topic) as reader,
    ):
        yield DealsApp(client, settings, app, reader)


@pytest.fixture
def deals(deals_app: DealsApp, minter: TokenMinter) -> DealsHarness:
    """The shared app with a fresh tenant."""
    return DealsHarness(deals_app, minter, unique_name("tenant_"))
