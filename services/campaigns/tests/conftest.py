"""Fixtures for the campaigns service tests: one running app on the real servers for the
session, a fresh tenant per test (tenants are isolated, so tests never see each other's data).
Contacts reach the projection the way they do in production: as published contact events.
A test that needs to control the background sender (stop it, run instances of its own with
other settings) takes the ``senders`` fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from campaigns.campaigns.sender import Sender
from campaigns.main import create_app
from campaigns.settings import CampaignsSettings
from crm_devstack.testing import (
    Backend,
    RunningService,
    TenantView,
    TokenMinter,
    TopicReader,
    eventually,
    isolated_settings,
    publish_events,
    running_app,
    unique_name,
)
from crm_shared.events.catalogue import ContactCreated, ContactSnapshot, EventData
from crm_shared.ids import new_id
from crm_shared.kafka.topics import ensure_topics


@dataclass
class CampaignsApp(RunningService[CampaignsSettings]):
    """The session's running campaigns app and a reader of everything it publishes."""


def snapshot(contact_id: str | None = None, **fields: Any) -> ContactSnapshot:
    """A contact snapshot with sensible defaults."""
    contact_id = contact_id or new_id("con")
    values: dict[str, Any] = {
        "contact_id": contact_id,
        "first_name": "Siti",
        "last_name": "Rahayu",
        "email": f"{contact_id.lower()}@contoh.co.id",
        "lifecycle_stage": "customer",
        "version": 1,
        **fields,
    }
    return ContactSnapshot(**values)


@dataclass
class CampaignsHarness(TenantView[CampaignsSettings]):
    """The shared app seen from one test's own tenant."""

    async def create_campaign(self, **fields: Any) -> dict[str, Any]:
        """Create a campaign (as admin) with a template, and return its body."""
        body = {
            "name": "Promo Lebaran",
            "budget": "1000000",
            "template": {
                "subject": "Halo {{first_name}}",
                "body_text": 'Hai {{first_name | "teman"}}, diskon untuk {{company}}.',
                "body_html": '<p>Hai {{first_name}}</p><a href="https://toko.co.id/promo?a=1&amp;b=2">Promo</a>',
            },
            **fields,
        }
        response = await self.client.post("/v1/campaigns", json=body, headers=self.auth())
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def create_segment(self, **fields: Any) -> dict[str, Any]:
        """Create a segment (as admin) and return its body."""
        response = await self.client.post("/v1/segments", json=fields, headers=self.auth())
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def publish_many(self, owner: str, events: Sequence[EventData]) -> None:
        """Publish many events for this tenant through one producer."""
        await publish_events(
            self.settings.kafka_bootstrap, self.settings.topic(owner), events, tenant_id=self.tenant
        )

    async def add_contacts(self, *snapshots: ContactSnapshot) -> list[str]:
        """Publish ContactCreated for each snapshot and wait until all are projected."""
        await self.publish_many(
            "contacts", [ContactCreated(contact_id=s.contact_id, contact=s) for s in snapshots]
        )
        await self.wait_projected(len(snapshots))
        return [s.contact_id for s in snapshots]

    async def wait_projected(self, count: int) -> None:
        """Wait until this tenant has ``count`` contacts in the projection."""
        contacts = self.runtime.db["contacts"]

        async def done() -> bool:
            return await contacts.count_documents({"tenant_id": self.tenant}) >= count

        await eventually(done, timeout=30, what=f"{count} projected contacts")

    async def wait_status(self, campaign_id: str, status: str) -> dict[str, Any]:
        """Wait until the campaign reaches ``status``."""

        async def reached() -> dict[str, Any] | None:
            response = await self.client.get(f"/v1/campaigns/{campaign_id}", headers=self.auth())
            body = dict(response.json())
            return body if body["status"] == status else None

        found: dict[str, Any] = await eventually(reached, timeout=30, what=f"status {status}")
        return found

    async def launch(self, campaign_id: str, role: str = "marketing") -> Any:
        """``POST /v1/campaigns/{id}/launch`` as ``role``; the response."""
        return await self.client.post(
            f"/v1/campaigns/{campaign_id}/launch", headers=self.auth(role)
        )

    async def wait_enrolled(self, campaign_id: str, *, timeout: float = 60) -> dict[str, Any]:
        """Wait until a launched campaign's audience is enrolled (``enrolling`` false);
        its body then."""

        async def enrolled() -> dict[str, Any] | None:
            response = await self.client.get(f"/v1/campaigns/{campaign_id}", headers=self.auth())
            body = dict(response.json())
            return body if body.get("launched_at") and not body["enrolling"] else None

        found: dict[str, Any] = await eventually(
            enrolled, timeout=timeout, what=f"campaign {campaign_id} enrolled"
        )
        return found

    async def launched(self, campaign_id: str) -> dict[str, Any]:
        """Launch a planned campaign (202) and wait until its audience is enrolled; the
        campaign's body then."""
        response = await self.launch(campaign_id)
        assert response.status_code == 202, response.text
        return await self.wait_enrolled(campaign_id)

    async def metrics(self, campaign_id: str) -> dict[str, Any]:
        """The campaign's metrics."""
        response = await self.client.get(
            f"/v1/campaigns/{campaign_id}/metrics", headers=self.auth()
        )
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture(scope="session")
async def campaigns_app(backend: Backend, minter: TokenMinter) -> AsyncIterator[CampaignsApp]:
    """One campaigns app for the whole session (its own database and topics)."""
    settings = CampaignsSettings(
        **isolated_settings(backend, minter, "campaigns"),
        tracking_secret="test-tracking-secret",
        public_base_url="https://crm.contoh.co.id/api",
        send_rate_per_s=1000,
        send_batch_size=100,
        sender_poll_interval_s=0.2,
    )
    app = create_app(settings)
    topic = settings.topic("campaigns")
    await ensure_topics(settings.kafka_bootstrap, {topic: settings.kafka_partitions})
    async with (
        running_app(app) as client,
        TopicReader(settings.kafka_bootstrap, topic) as reader,
    ):
        yield CampaignsApp(client, settings, app, reader)


@pytest.fixture
def campaigns(campaigns_app: CampaignsApp, minter: TokenMinter) -> CampaignsHarness:
    """The shared app with a fresh tenant."""
    return CampaignsHarness(campaigns_app, minter, unique_name("tenant_"))


@dataclass
class Senders:
    """Background senders a test runs itself in place of the app's own one, which the
    ``senders`` fixture stops first (so nothing works a launch until the test starts an
    instance) and replaces with a fresh one after the test."""

    app: CampaignsApp
    started: list[Sender] = field(default_factory=list)

    def start(self, instance_id: str, *, kind: type[Sender] = Sender, **settings: Any) -> Sender:
        """Start an instance with the app's settings changed by ``settings``; launches and
        resumes wake the last one started."""
        changed = self.app.settings.model_copy(update=settings)
        sender = kind(self.app.app.state.runtime, changed, instance_id=instance_id)
        sender.start()
        self.app.app.state.sender = sender
        self.started.append(sender)
        return sender


@pytest.fixture
async def senders(campaigns_app: CampaignsApp) -> AsyncIterator[Senders]:
    """No background sender but those the test starts (see :class:`Senders`)."""
    app = campaigns_app.app
    await app.state.sender.stop()
    control = Senders(campaigns_app)
    try:
        yield control
    finally:
        for sender in control.started:
            await sender.stop()
        app.state.sender = Sender(app.state.runtime, campaigns_app.settings)
        app.state.sender.start()
