"""Fixtures for the contacts service tests: one running app on the real servers for the
session, and a fresh tenant per test (tenants are isolated, so tests do not interfere)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from contacts.main import create_app
from contacts.settings import ContactsSettings
from crm_devstack.testing import (
    Backend,
    TokenMinter,
    TopicReader,
    isolated_settings,
    running_app,
    unique_name,
)
from crm_shared.events.envelope import CloudEvent, parse_envelope


@dataclass
class ContactsApp:
    """The running contacts app, its settings and HTTP client."""

    client: httpx.AsyncClient
    settings: ContactsSettings
    app: Any


@dataclass
class ContactsHarness:
    """The app as seen by one test: its own tenant and helpers to act as a principal."""

    client: httpx.AsyncClient
    settings: ContactsSettings
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
        """The contacts topic."""
        return self.settings.topic("contacts")

    def reader(self) -> TopicReader:
        """A reader of the contacts topic from its beginning."""
        return TopicReader(self.settings.kafka_bootstrap, self.topic)

    def events(self, reader: TopicReader, *types: str) -> list[CloudEvent]:
        """This tenant's events read so far (of ``types`` when given)."""
        found = [parse_envelope(r.value) for r in reader.records]
        return [e for e in found if e.tenantid == self.tenant and (not types or e.type in types)]

    async def post(self, path: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
        """POST as admin, expecting 201; returns the body."""
        response = await self.client.post(path, json=body, headers={**self.auth(), **headers})
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def contact(self, **fields: Any) -> dict[str, Any]:
        """Create a contact as admin."""
        return await self.post("/v1/contacts", {"last_name": "Wijaya", **fields})

    async def get(self, path: str, **params: Any) -> Any:
        """GET as admin, expecting 200; returns the JSON body."""
        response = await self.client.get(path, params=params, headers=self.auth())
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="session")
async def contacts_app(backend: Backend, minter: TokenMinter) -> AsyncIterator[ContactsApp]:
    """One contacts app with its lifespan running (relay, consumers, refresher)."""
    settings = ContactsSettings(**isolated_settings(backend, minter, "contacts"))
    app = create_app(settings)
    async with running_app(app) as client:
        yield ContactsApp(client, settings, app)


@pytest.fixture
def contacts(contacts_app: ContactsApp, minter: TokenMinter) -> ContactsHarness:
    """The session's app with a fresh tenant for this test."""
    return ContactsHarness(
        contacts_app.client, contacts_app.settings, contacts_app.app, minter, unique_name("tenant_")
    )
