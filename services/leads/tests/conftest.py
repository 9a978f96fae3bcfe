"""Fixtures for the leads service tests: a running app on the real servers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from crm_devstack.testing import (
    Backend,
    TokenMinter,
    isolated_settings,
    running_app,
    unique_name,
)
from leads.main import create_app
from leads.settings import LeadsSettings


@dataclass
class LeadsHarness:
    """A running leads app, its settings, and helpers to act as a principal."""

    client: httpx.AsyncClient
    settings: LeadsSettings
    app: Any
    minter: TokenMinter
    tenant: str

    def auth(
        self, *roles: str, tenant: str | None = None, sub: str = "user_admin"
    ) -> dict[str, str]:
        """Headers of a principal (default: admin of this test's tenant)."""
        return self.minter.headers(tenant=tenant or self.tenant, roles=roles or ("admin",), sub=sub)

    @property
    def topic(self) -> str:
        """The leads topic of this test."""
        return self.settings.topic("leads")

    async def create(self, **fields: Any) -> dict[str, Any]:
        """Create a lead as admin and return its body."""
        body = {"last_name": "Wijaya", **fields}
        response = await self.client.post("/v1/leads", json=body, headers=self.auth())
        assert response.status_code == 201, response.text
        return dict(response.json())


@pytest.fixture
def leads_settings_factory(backend: Backend, minter: TokenMinter) -> Callable[..., LeadsSettings]:
    """Builds isolated settings (own database, own topics) for one app."""

    def make(**overrides: Any) -> LeadsSettings:
        return LeadsSettings(**{**isolated_settings(backend, minter, "leads"), **overrides})

    return make


@pytest.fixture
async def leads(
    leads_settings_factory: Callable[..., LeadsSettings], minter: TokenMinter
) -> AsyncIterator[LeadsHarness]:
    """A leads app with its lifespan running (relay, consumers) and an HTTP client."""
    settings = leads_settings_factory()
    app = create_app(settings)
    async with running_app(app) as client:
        yield LeadsHarness(client, settings, app, minter, unique_name("tenant_"))
