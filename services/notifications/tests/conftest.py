"""Fixtures for the notifications service tests: one app on the real servers for the
session (with a loopback SMTP sink it sends to, and a reader of ``crm.notifications``),
and a fresh tenant per test (tenants are isolated, so tests never see each other's data).

Other channels' tests reuse :class:`NotificationsHarness` (fixture ``notifications``);
settings every test app needs go in :data:`TEST_SETTINGS`.
"""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from crm_devstack.servers import free_port
from crm_devstack.testing import (
    Backend,
    RunningService,
    TenantView,
    TokenMinter,
    TopicReader,
    eventually,
    isolated_settings,
    running_app,
    unique_name,
)
from crm_shared.events.catalogue import EmailRequested
from crm_shared.kafka.topics import ensure_topics
from notifications.main import create_app
from notifications.settings import NotificationsSettings

TEST_SETTINGS: dict[str, Any] = {
    "email_retry_base_s": 0.05,
    "email_retry_max_s": 0.3,
    "email_max_attempts": 4,
    "email_poll_interval_s": 0.2,
    "smtp_timeout_s": 3.0,
    "webhook_allow_hosts": ["127.0.0.1"],
    "webhook_retry_base_s": 0.05,
    "webhook_retry_max_delay_s": 0.2,
    "webhook_disable_after": 3,
    "sse_keepalive_s": 0.3,
}
"""Service settings of the test app, besides the isolated servers and the SMTP sink."""


class SinkHandler:
    """aiosmtpd handler keeping every accepted message; replies can be scripted per
    recipient (``"451 ..."`` strings, used up one per delivery attempt)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.scripts: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        """Answer the scripted reply of ``address`` (if any is left), else accept it."""
        with self._lock:
            script = self.scripts.get(address.lower())
            reply = script.pop(0) if script else None
        if reply is not None and not reply.startswith("250"):
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Keep the message as received."""
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


class SmtpSink:
    """An SMTP server on 127.0.0.1 (a free port) that can be stopped and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = SinkHandler()
        self._controller: Controller | None = None

    def start(self) -> None:
        """Listen (again) on the same port."""
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening: sends fail with connection refused until :meth:`start`."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def script(self, address: str, *replies: str) -> None:
        """Answer RCPT for ``address`` with ``replies`` first (one per attempt)."""
        self.handler.scripts[address.lower()] = list(replies)

    def received(self, address: str) -> list[EmailMessage]:
        """Messages received for ``address`` so far."""
        return [m for m in self.handler.messages if address.lower() in str(m["To"]).lower()]


@dataclass
class NotificationsApp(RunningService[NotificationsSettings]):
    """The session's running app, the SMTP sink it sends to, and a reader of its topic."""

    smtp: SmtpSink


@dataclass
class NotificationsHarness(TenantView[NotificationsSettings]):
    """The shared app seen from one test's own tenant."""

    running: NotificationsApp

    @property
    def smtp(self) -> SmtpSink:
        """The SMTP sink the app sends e-mail to."""
        return self.running.smtp

    def address(self, local: str = "member") -> str:
        """An e-mail address unique to this test (the sink is shared by the session)."""
        return f"{local}.{self.tenant}@example.test"


# --- e-mail helpers --------------------------------------------------------------------


def email_requested(n: NotificationsHarness, to: str, **fields: Any) -> EmailRequested:
    """An EmailRequested for ``to`` with a fresh request id."""
    values: dict[str, Any] = {
        "request_id": unique_name("req_"),
        "to": to,
        "to_name": "Siti Rahma",
        "subject_line": "Promo Lebaran",
        "body_text": "Halo Siti, diskon 20%.",
        "body_html": "<p>Halo Siti, <b>diskon 20%</b>.</p>",
        "campaign_id": "cmp_1",
        "contact_id": "con_1",
        "requested_by": "user_marketing",
        **fields,
    }
    return EmailRequested(**values)


async def delivery(n: NotificationsHarness, request_id: str) -> dict[str, Any]:
    """``GET /v1/emails/{request_id}`` as admin of the test's tenant."""
    response = await n.client.get(f"/v1/emails/{request_id}", headers=n.auth())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def wait_status(n: NotificationsHarness, request_id: str, status: str) -> dict[str, Any]:
    """Wait until the delivery record reaches ``status``."""

    async def reached() -> dict[str, Any] | None:
        response = await n.client.get(f"/v1/emails/{request_id}", headers=n.auth())
        if response.status_code != 200:
            return None
        body: dict[str, Any] = response.json()
        return body if body["status"] == status else None

    found: dict[str, Any] = await eventually(reached, timeout=20, what=f"{request_id} {status}")
    return found


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    """The loopback SMTP server the session's app sends to."""
    sink = SmtpSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture(scope="session")
async def notifications_app(
    backend: Backend, minter: TokenMinter, smtp_sink: SmtpSink
) -> AsyncIterator[NotificationsApp]:
    """One notifications app for the whole session (its own database and topics)."""
    settings = NotificationsSettings(
        **isolated_settings(backend, minter, "notifications"),
        **TEST_SETTINGS,
        smtp_host="127.0.0.1",
        smtp_port=smtp_sink.port,
    )
    app = create_app(settings)
    topic = settings.topic("notifications")
    await ensure_topics(settings.kafka_bootstrap, {topic: settings.kafka_partitions})
    async with (
        running_app(app) as client,
        TopicReader(settings.kafka_bootstrap, topic) as reader,
    ):
        yield NotificationsApp(client, settings, app, reader, smtp_sink)


@pytest.fixture
def notifications(notifications_app: NotificationsApp, minter: TokenMinter) -> NotificationsHarness:
    """The shared app with a fresh tenant."""
    return NotificationsHarness(notifications_app, minter, unique_name("tenant_"))
