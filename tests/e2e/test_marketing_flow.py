"""Every service and the gateway as processes (as ``crm up`` runs them), a real SMTP
server and a real webhook receiver on loopback: a web lead is welcomed by an automation,
its new owner hears of it live, a subscriber gets it signed (after three failures, once
more), and a campaign to 1,000 contacts e-mails everyone who did not opt out."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm_devstack.launcher import launch_services, wait_services_ready
from crm_devstack.servers import free_port, stop_all
from crm_devstack.services import SERVICES, local_settings
from crm_devstack.testing import (
    Backend,
    TokenMinter,
    eventually,
    run_namespace,
    served,
    unique_name,
)

CONTACTS = 1000
DO_NOT_CONTACT = 50
FAILURES_BEFORE_SUCCESS = 3


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"

    def with_subject(self, prefix: str) -> list[Message]:
        return [m for m in self.messages if str(m["Subject"]).startswith(prefix)]


@dataclass
class Receiver:
    """A webhook endpoint that fails the first attempts of each delivery, then accepts."""

    attempts: dict[str, int] = field(default_factory=dict)
    accepted: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        webhook_id = request.headers.get("webhook-id", "")
        self.attempts[webhook_id] = self.attempts.get(webhook_id, 0) + 1
        if self.attempts[webhook_id] <= FAILURES_BEFORE_SUCCESS:
            return Response(status_code=500)
        self.accepted.append((dict(request.headers), body))
        return Response(status_code=204)


@dataclass
class Stack:
    gateway: httpx.AsyncClient
    inbox: Inbox
    receiver: Receiver
    receiver_url: str
    minter: TokenMinter
    tenant: str

    def auth(self, *roles: str, sub: str = "user_admin") -> dict[str, str]:
        return self.minter.headers(tenant=self.tenant, roles=roles or ("admin",), sub=sub)


@pytest.fixture
async def stack(backend: Backend, minter: TokenMinter, tmp_path: Path) -> AsyncIterator[Stack]:
    """SMTP server, webhook receiver, then every service and the gateway (stopped by PID)."""
    async with contextlib.AsyncExitStack() as cleanup:
        inbox = Inbox()
        smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
        smtp.start()
        cleanup.callback(smtp.stop)
        receiver = Receiver()
        hooks = Starlette(routes=[Route("/hook", receiver.hook, methods=["POST"])])
        receiver_base = await cleanup.enter_async_context(served(hooks))
        ports = {spec.name: free_port() for spec in SERVICES}
        run = unique_name("mkt")
        settings = local_settings(
            gateway_port=ports["gateway"],
            smtp_port=smtp.port,
            tracking_secret="e2e-tracking-secret",
            service_secret="e2e-service-secret",
        )
        settings["notifications"] |= {
            "WEBHOOK_ALLOW_HOSTS": '["127.0.0.1"]',
            "WEBHOOK_RETRY_BASE_S": "0.2",
        }
        settings["campaigns"] |= {"SEND_RATE_PER_S": "2000"}
        launched = launch_services(
            list(SERVICES),
            mongo_url=backend.mongo_urls(spec.name for spec in SERVICES),
            kafka_bootstrap=backend.kafka_bootstrap,
            public_key_pem=minter.public_pem,
            private_key_pem=minter.private_pem,
            ports=ports,
            log_dir=tmp_path,
            extra_env={
                "MONGO_DB": f"{run}_{{name}}",
                **run_namespace(run),
                "LOG_LEVEL": "WARNING",
                "OUTBOX_POLL_INTERVAL_S": "0.2",
            },
            service_settings=settings,
        )
        cleanup.callback(stop_all, [item.process for item in launched])
        await asyncio.to_thread(wait_services_ready, launched, timeout=120)
        gateway = await cleanup.enter_async_context(
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['gateway']}", timeout=30.0)
        )
        yield Stack(
            gateway, inbox, receiver, f"{receiver_base}/hook", minter, unique_name("tenant_")
        )


async def _post(stack: Stack, path: str, body: Any, *roles: str) -> dict[str, Any]:
    response = await stack.gateway.post(path, json=body, headers=stack.auth(*roles))
    assert response.status_code in (200, 201, 202), (path, response.text)
    result: dict[str, Any] = response.json()
    return result


async def _stream(stack: Stack, headers: dict[str, str], seen: list[dict[str, Any]]) -> None:
    """Read the notification stream, keeping each event's data."""
    async with stack.gateway.stream(
        "GET", "/api/v1/notifications/stream", headers=headers, timeout=None
    ) as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                seen.append(json.loads(line.removeprefix("data:").strip()))


@pytest.mark.timeout(420)
async def test_web_lead_welcome_live_notice_signed_webhook_and_a_campaign(stack: Stack) -> None:
    hook = await _post(
        stack, "/api/v1/webhooks", {"url": stack.receiver_url, "event_types": ["LeadCreated"]}
    )
    secret = hook["secret"]
    await _post(
        stack,
        "/api/v1/automations",
        {
            "name": "Welcome web leads",
            "trigger": {
                "event_type": "LeadCreated",
                "conditions": [{"field": "lead.source", "value": "web"}],
            },
            "actions": [
                {
                    "type": "send_email",
                    "template": {
                        "subject": "Halo {{first_name}}, selamat datang",
                        "body_text": "Terima kasih telah menghubungi kami.",
                    },
                },
                {"type": "assign_owner", "owner_id": "user_budi"},
            ],
        },
        "marketing",
    )
    seen: list[dict[str, Any]] = []
    budi = stack.auth("sales", sub="user_budi")
    streaming = asyncio.create_task(_stream(stack, budi, seen))
    try:
        lead = await _post(
            stack,
            "/api/v1/leads",
            {
                "first_name": "Siti",
                "last_name": "Rahayu",
                "email": "siti@maju.co.id",
                "source": "web",
            },
        )
        welcome = await eventually(
            lambda: stack.inbox.with_subject("Halo Siti"), timeout=60, what="welcome e-mail"
        )
        assert [str(m["To"]) for m in welcome] == ["Siti Rahayu <siti@maju.co.id>"]
        notice = await eventually(
            lambda: [n for n in seen if n.get("link") == f"/leads/{lead['id']}"],
            timeout=60,
            what="live notification of the assignment",
        )
        assert notice[0]["kind"] == "lead_assigned"
        delivered = await eventually(
            lambda: stack.receiver.accepted, timeout=60, what="webhook delivered"
        )
    finally:
        streaming.cancel()
        await asyncio.gather(streaming, return_exceptions=True)

    headers, body = delivered[0]
    event = Webhook(secret).verify(body, headers)  # raises unless the signature is valid
    assert event["type"] == "LeadCreated" and event["subject"] == lead["id"]
    assert stack.receiver.attempts[headers["webhook-id"]] == FAILURES_BEFORE_SUCCESS + 1

    async def settled_log() -> list[dict[str, Any]] | None:
        # the outcome is recorded a moment after the receiver answered
        log = await stack.gateway.get(
            f"/api/v1/webhooks/{hook['id']}/deliveries", headers=stack.auth()
        )
        items: list[dict[str, Any]] = log.json()["items"]
        return items if items and items[0]["status"] != "pending" else None

    (entry,) = await eventually(settled_log, timeout=30, what="the delivery settled")
    assert entry["status"] == "delivered"  # final: nothing is sent again
    assert len(stack.receiver.accepted) == 1

    rows = ["first_name,last_name,email,tags,do_not_contact"]
    rows += [
        f"Pelanggan,Nomor {i},p{i}@toko.co.id,promo,{'true' if i < DO_NOT_CONTACT else 'false'}"
        for i in range(CONTACTS)
    ]
    imported = await stack.gateway.post(
        "/api/v1/contacts/import",
        content="\n".join(rows).encode(),
        headers={**stack.auth(), "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == CONTACTS
    rules = {"match": "all", "rules": [{"field": "tags", "op": "contains", "value": "promo"}]}

    async def projected() -> bool:
        preview = await _post(stack, "/api/v1/segments/preview", {"rules": rules})
        return bool(preview["count"] == CONTACTS)

    await eventually(projected, timeout=120, interval=1.0, what="contacts in the projection")
    segment = await _post(stack, "/api/v1/segments", {"name": "Promo", "rules": rules}, "marketing")
    campaign = await _post(
        stack,
        "/api/v1/campaigns",
        {
            "name": "Promo Desember",
            "budget": "1000000",
            "segment_ids": [segment["id"]],
            "template": {"subject": "Promo untuk {{last_name}}", "body_text": "Diskon 20%"},
        },
        "marketing",
    )
    launched = await _post(stack, f"/api/v1/campaigns/{campaign['id']}/launch", {}, "marketing")
    assert launched["enrolling"] is True  # answered at once (202): enrolled in the background
    expected = CONTACTS - DO_NOT_CONTACT
    await eventually(
        lambda: len(stack.inbox.with_subject("Promo untuk")) >= expected,
        timeout=180,
        interval=0.5,
        what=f"{expected} campaign e-mails",
    )

    async def settled() -> dict[str, Any] | None:
        response = await stack.gateway.get(
            f"/api/v1/campaigns/{campaign['id']}/metrics", headers=stack.auth()
        )
        metrics: dict[str, Any] = response.json()
        return metrics if metrics["sent"] == expected else None

    metrics = await eventually(settled, timeout=60, interval=0.5, what="campaign metrics")
    promo = stack.inbox.with_subject("Promo untuk")
    assert all(str(m["List-Unsubscribe"]).startswith("<http://127.0.0.1:") for m in promo)
    recipients = {str(m["To"]) for m in promo}
    assert len(promo) == expected == len(recipients)
    assert not any(f"<p{i}@toko.co.id>" in r for r in recipients for i in range(DO_NOT_CONTACT))
    assert metrics["audience"] == CONTACTS
    assert metrics["suppressed"] == DO_NOT_CONTACT
    assert metrics["sent"] + metrics["failed"] + metrics["suppressed"] == metrics["audience"]
