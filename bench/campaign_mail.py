"""Benchmark: a campaign of 10k members, e-mails per second handed to SMTP.

The campaigns and notifications services run as processes; the SMTP server is aiosmtpd
on loopback in this process (it only counts). Contacts reach the campaigns service's
projection as ContactCreated events published straight to the contacts topic. The rate
is members / (last message received - launch requested). The launch is answered at once
(202) and the campaigns service enrols the audience in the background before it sends, so
the rate includes the enrolment (``enrolled_seconds``: launch requested -> ``enrolling``
false). The baseline is a raw aiosmtplib send loop to the same server in the same run,
over as many connections as the service uses, sending the same kind of message.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiosmtplib
import httpx
from aiosmtpd.controller import Controller

from bench.context import Run
from bench.harness import cpu_meter
from bench.platform import admin
from bench.report import Figure
from crm_devstack.servers import free_port
from crm_devstack.testing import eventually, publish_events, unique_name
from crm_shared.events.catalogue import ContactCreated, ContactSnapshot
from crm_shared.ids import new_id

BENCHMARK = "campaign e-mails to SMTP"
BASELINE_LABEL = "raw aiosmtplib send loop"
TARGET_RATIO = 0.5
SMTP_CONNECTIONS = 4
RAW_MESSAGES = 2000


class Counter:
    """aiosmtpd handler counting accepted messages and the time of the last one."""

    def __init__(self) -> None:
        self.count = 0
        self.last = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += 1
        self.last = time.perf_counter()
        return "250 OK"


def start_smtp() -> tuple[Controller, Counter]:
    """An SMTP server on a free loopback port (``controller.port``)."""
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, counter


def _message(i: int) -> bytes:
    """The same kind of message as the service sends, formatted as cheaply as can be."""
    return (
        "From: CRM <crm@localhost>\r\n"
        f"To: Pelanggan {i} <p{i}@toko.co.id>\r\n"
        f"Subject: Promo untuk Pelanggan {i}\r\n"
        f"Message-ID: <raw-{i}@localhost>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: 7bit\r\n\r\n"
        "Diskon 20% minggu ini.\r\n\r\n--\r\nBerhenti berlangganan: https://x/u\r\n"
    ).encode()


async def raw_rate(port: int, counter: Counter, messages: int = RAW_MESSAGES) -> dict[str, Any]:
    """Messages/s of a plain aiosmtplib loop over ``SMTP_CONNECTIONS`` connections."""
    before = counter.count

    async def loop(offset: int) -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
        await client.connect()
        try:
            for i in range(offset, messages, SMTP_CONNECTIONS):
                await client.sendmail("crm@localhost", [f"p{i}@toko.co.id"], _message(i))
        finally:
            await client.quit()

    started = time.perf_counter()
    await asyncio.gather(*(loop(k) for k in range(SMTP_CONNECTIONS)))
    elapsed = time.perf_counter() - started
    assert counter.count - before == messages
    return {
        "messages": messages,
        "seconds": round(elapsed, 2),
        "per_s": round(messages / elapsed, 1),
    }


async def _publish_contacts(run: Run, tenant: str, count: int) -> None:
    """``count`` ContactCreated events, published as the contacts service would."""
    events = []
    for i in range(count):
        cid = new_id("con")
        snapshot = ContactSnapshot(
            contact_id=cid,
            first_name="Pelanggan",
            last_name=f"{i}",
            email=f"p{i}@toko.co.id",
            lifecycle_stage="customer",
            tags=["promo"],
            version=1,
        )
        events.append(ContactCreated(contact_id=cid, contact=snapshot))
    topic = f"{run.topic_prefix}contacts"
    await publish_events(run.stack.kafka_bootstrap, topic, events, tenant_id=tenant)


async def measure(
    run: Run, campaigns_url: str, counter: Counter, *, members: int
) -> dict[str, Any]:
    """Project ``members`` contacts, launch a campaign to all of them, time the sending."""
    tenant = unique_name("bench_mail_")
    headers = admin(run, tenant)
    rules = {"rules": [{"field": "tags", "op": "contains", "value": "promo"}]}
    async with httpx.AsyncClient(base_url=campaigns_url, headers=headers, timeout=120) as client:
        started = time.perf_counter()
        await _publish_contacts(run, tenant, members)

        async def projected() -> bool:
            preview = await client.post("/v1/segments/preview", json={"rules": rules})
            return bool(preview.json()["count"] >= members)

        await eventually(projected, timeout=900, interval=1.0, what="contacts projected")
        projection_s = time.perf_counter() - started
        segment = (await client.post("/v1/segments", json={"name": "All", "rules": rules})).json()
        campaign = (
            await client.post(
                "/v1/campaigns",
                json={
                    "name": "Bench",
                    "segment_ids": [segment["id"]],
                    "template": {
                        "subject": "Promo untuk {{first_name}} {{last_name}}",
                        "body_text": "Diskon 20% minggu ini.",
                    },
                },
            )
        ).json()
        before = counter.count
        cpu: dict[str, Any] = {}
        with cpu_meter(run.stack.pids(), cpu):
            launched_at = time.perf_counter()
            (await client.post(f"/v1/campaigns/{campaign['id']}/launch")).raise_for_status()
            launch_s = time.perf_counter() - launched_at

            async def enrolled() -> bool:
                body = (await client.get(f"/v1/campaigns/{campaign['id']}")).json()
                return not body["enrolling"]

            await eventually(enrolled, timeout=1800, interval=0.2, what="audience enrolled")
            enrolled_s = time.perf_counter() - launched_at
            await eventually(
                lambda: counter.count - before >= members,
                timeout=1800,
                interval=0.2,
                what=f"{members} e-mails received",
            )
    elapsed = counter.last - launched_at
    return {
        "members": members,
        "projection_seconds": round(projection_s, 1),
        "launch_request_seconds": round(launch_s, 2),
        "enrolled_seconds": round(enrolled_s, 1),
        "seconds_to_last_email": round(elapsed, 1),
        "per_s": round(members / elapsed, 1),
        "cpu_cores": cpu,
    }


def figures(campaign: dict[str, Any], raw: dict[str, Any]) -> list[Figure]:
    """E-mails/s handed to SMTP against the raw loop (target >= 0.5 of it)."""
    ratio = campaign["per_s"] / raw["per_s"]
    return [
        Figure(
            BENCHMARK,
            f"e-mails/s, {campaign['members']:,} members",
            "msg/s",
            campaign["per_s"],
            raw["per_s"],
            BASELINE_LABEL,
            target=f">= {TARGET_RATIO} x raw",
            met=ratio >= TARGET_RATIO,
            note=(
                f"launch answered (202) in {campaign['launch_request_seconds']} s; the rate "
                f"includes enrolling the audience ({campaign['enrolled_seconds']} s)"
            ),
        )
    ]
