"""The business operations the cost model measures, each done through the gateway as a
client would, with what must be seen before its cost is complete.

An :class:`Operation` has a ``prepare`` step (outside the measured window: records it
needs, readers, subscriptions), ``step(i)`` for each of its ``count`` measured operations
(the measurement lets the platform settle between two), an ``effect`` that must hold
before the window may close (the converted contact and deal published, every e-mail in
the SMTP sink...) and ``units``: how many units the window's cost is divided by
(operations, e-mails received, rows imported).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import Route

from bench.campaign_mail import Counter as MailCounter
from bench.conversion import _contact_of, _deal_of
from bench.conversion import lead_body as company_lead_body
from bench.data import lead_body, lead_csv
from bench.webhooks import Receiver
from crm_devstack.testing import TopicReader, eventually, served, unique_name

HTTP_TIMEOUT_S = 300.0
PROJECTION_TIMEOUT_S = 120.0
NEXT_STAGE = "qualification"
"""A new deal starts in the default pipeline's first stage; this is the next one."""


class Gateway:
    """An admin of one tenant calling ``/api/v1`` through the gateway."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.client = httpx.AsyncClient(
            base_url=f"{base_url}/api/v1", headers=headers, timeout=HTTP_TIMEOUT_S
        )

    async def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """One request; its JSON answer (RuntimeError unless it succeeded)."""
        response = await self.client.request(
            method, path, json=body, content=content, headers=headers
        )
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.text}")
        if not response.content:
            return {}
        answer: dict[str, Any] = response.json()
        return answer

    async def close(self) -> None:
        """Close the connections."""
        await self.client.aclose()


async def _nothing(_: contextlib.AsyncExitStack) -> None:
    return None


@dataclass
class Operation:
    """One business operation, ``count`` times (see the module's docstring)."""

    name: str
    count: int
    step: Callable[[int], Awaitable[None]]
    """The ``i``-th operation (``0 <= i < count``)."""
    unit: str = "op"
    prepare: Callable[[contextlib.AsyncExitStack], Awaitable[None]] = _nothing
    effect: Callable[[], Awaitable[bool]] | None = None
    units: Callable[[], float] | None = None
    """Units done (default: ``count``), read once the window closed."""
    alone: bool = False
    """Prepared right before it is measured, after every other operation (what it
    prepares would change their cost) and never warmed up."""
    observed: dict[str, Callable[[], float]] = field(default_factory=dict)
    """Other things the window did (webhooks received...), read once it closed."""

    def done_units(self) -> float:
        """How many units the window's cost is divided by."""
        return self.units() if self.units is not None else float(self.count)


@dataclass
class Platform:
    """What the operations need: the gateway, the broker (for readers), the run's topic
    prefix, the SMTP sink's counter."""

    gateway: Gateway
    kafka_bootstrap: str
    topic_prefix: str
    mail: MailCounter


async def _create_leads(gw: Gateway, bodies: list[dict[str, Any]]) -> list[str]:
    return [(await gw.call("POST", "/leads", body=body))["id"] for body in bodies]


def create_lead(p: Platform, k: int, *, name: str = "create lead") -> Operation:
    """``POST /leads``."""
    tag = unique_name("cl")

    async def step(i: int) -> None:
        await p.gateway.call("POST", "/leads", body=lead_body(f"{tag}-{i}"))

    return Operation(name, k, step)


def update_lead(p: Platform, k: int) -> Operation:
    """``PATCH /leads/{id}`` (a note) on leads created beforehand."""
    tag = unique_name("ul")
    ids: list[str] = []

    async def prepare(_: contextlib.AsyncExitStack) -> None:
        ids[:] = await _create_leads(p.gateway, [lead_body(f"{tag}-{i}") for i in range(k)])

    async def step(i: int) -> None:
        await p.gateway.call("PATCH", f"/leads/{ids[i]}", body={"notes": f"called {i}"})

    return Operation("update lead", k, step, prepare=prepare)


async def _create_contact(gw: Gateway, tag: str, i: int, tags: list[str]) -> str:
    body = {
        "first_name": "Pelanggan",
        "last_name": f"{tag} {i}",
        "email": f"p{i}.{tag}@toko.co.id",
        "tags": tags,
    }
    contact_id: str = (await gw.call("POST", "/contacts", body=body))["id"]
    return contact_id


async def _create_contacts(gw: Gateway, tag: str, k: int, tags: list[str]) -> list[str]:
    return [await _create_contact(gw, tag, i, tags) for i in range(k)]


def log_activity(p: Platform, k: int) -> Operation:
    """``POST /activities`` (a note) on a contact created beforehand, one per activity."""
    tag = unique_name("la")
    ids: list[str] = []

    async def prepare(_: contextlib.AsyncExitStack) -> None:
        ids[:] = await _create_contacts(p.gateway, tag, k, [])

    async def step(i: int) -> None:
        body = {"kind": "note", "subject": f"Note {i}", "contact_id": ids[i]}
        await p.gateway.call("POST", "/activities", body=body)

    return Operation("log activity", k, step, prepare=prepare)


def create_contact(p: Platform, k: int) -> Operation:
    """``POST /contacts`` with an e-mail."""
    tag = unique_name("cc")

    async def step(i: int) -> None:
        await _create_contact(p.gateway, tag, i, [])

    return Operation("create contact", k, step)


def move_stage(p: Platform, k: int) -> Operation:
    """``POST /deals/{id}/stage`` from the first stage to the next, ``If-Match`` given."""
    deals: list[tuple[str, int]] = []

    async def prepare(_: contextlib.AsyncExitStack) -> None:
        deals.clear()
        for i in range(k):
            body = {"name": f"Deal {i}", "amount": "2500000"}
            deal = await p.gateway.call("POST", "/deals", body=body)
            deals.append((deal["id"], deal["version"]))

    async def step(i: int) -> None:
        deal_id, version = deals[i]
        await p.gateway.call(
            "POST",
            f"/deals/{deal_id}/stage",
            body={"stage": NEXT_STAGE},
            headers={"If-Match": f'"{version}"'},
        )

    return Operation("move deal one stage", k, step, prepare=prepare)


def convert_lead(p: Platform, k: int) -> Operation:
    """``POST /leads/{id}/convert`` with a deal; done when every lead's ContactCreated
    and DealCreated are on their topics (both committed in their services)."""
    tag = unique_name("cv")
    ids: list[str] = []
    readers: dict[str, TopicReader] = {}

    async def prepare(exits: contextlib.AsyncExitStack) -> None:
        bodies = [company_lead_body(tag, i) for i in range(k)]
        ids[:] = await _create_leads(p.gateway, bodies)
        for owner in ("contacts", "deals"):
            reader = TopicReader(p.kafka_bootstrap, f"{p.topic_prefix}{owner}")
            readers[owner] = await exits.enter_async_context(reader)

    async def step(i: int) -> None:
        body = {"create_deal": {"name": f"Deal {tag} {i}", "amount": "15000000"}}
        await p.gateway.call("POST", f"/leads/{ids[i]}/convert", body=body)

    def leads_in(owner: str, lead_of: Callable[[dict[str, Any]], Any]) -> set[str]:
        found = (lead_of(json.loads(r.value)) for r in readers[owner].records)
        return {pair[0] for pair in found if pair is not None}

    async def effect() -> bool:
        wanted = set(ids)
        contacts, deals = leads_in("contacts", _contact_of), leads_in("deals", _deal_of)
        return wanted <= contacts and wanted <= deals

    return Operation("convert lead with deal", k, step, prepare=prepare, effect=effect)


def import_csv(p: Platform, rows: int) -> Operation:
    """``POST /leads/import`` of ``rows`` generated leads; the cost per row created."""
    tag = unique_name("im")
    created: list[int] = []

    async def step(_: int) -> None:
        report = await p.gateway.call(
            "POST",
            "/leads/import",
            content=lead_csv(rows, tag),
            headers={"Content-Type": "text/csv"},
        )
        created.append(int(report["created"]))
        if report["created"] != rows:
            raise RuntimeError(f"import created {report['created']} of {rows} rows: {report}")

    return Operation("CSV import", 1, step, unit="row", units=lambda: float(sum(created) or rows))


def campaign_email(p: Platform, members: int) -> Operation:
    """A campaign to ``members`` contacts (created through the API, projected by the
    campaigns service beforehand): ``POST /campaigns/{id}/launch``; the cost per e-mail
    the SMTP sink received. Creating the segment and the campaign is not measured."""
    tag = unique_name("mail")
    rules = {"rules": [{"field": "tags", "op": "contains", "value": tag}]}
    campaign: dict[str, Any] = {}
    before: list[int] = []

    async def prepare(_: contextlib.AsyncExitStack) -> None:
        await _create_contacts(p.gateway, tag, members, [tag])

        async def projected() -> bool:
            preview = await p.gateway.call("POST", "/segments/preview", body={"rules": rules})
            return bool(preview["count"] >= members)

        await eventually(projected, timeout=PROJECTION_TIMEOUT_S, interval=0.5, what="members")
        segment = await p.gateway.call("POST", "/segments", body={"name": tag, "rules": rules})
        campaign.update(
            await p.gateway.call(
                "POST",
                "/campaigns",
                body={
                    "name": f"Promo {tag}",
                    "segment_ids": [segment["id"]],
                    "template": {
                        "subject": "Promo untuk {{first_name}} {{last_name}}",
                        "body_text": "Diskon 20% minggu ini.",
                    },
                },
            )
        )

    async def step(_: int) -> None:
        before[:] = [p.mail.count]
        await p.gateway.call("POST", f"/campaigns/{campaign['id']}/launch")

    async def effect() -> bool:
        return p.mail.count - before[0] >= members

    return Operation(
        "campaign e-mail",
        1,
        step,
        unit="e-mail",
        prepare=prepare,
        effect=effect,
        units=lambda: float(p.mail.count - before[0]),
    )


def lead_with_webhook(p: Platform, k: int) -> Operation:
    """``POST /leads`` while one webhook subscription (to a receiver on loopback) matches
    every event type; done when the receiver got every event of the window's leads.
    Leaves the subscription in place: measure it last."""
    receiver = Receiver()
    seen: list[int] = []

    async def prepare(exits: contextlib.AsyncExitStack) -> None:
        app = Starlette(routes=[Route("/hook", receiver.hook, methods=["POST"])])
        url = await exits.enter_async_context(served(app))
        body = {"url": f"{url}/hook", "event_types": ["*"]}
        await p.gateway.call("POST", "/webhooks", body=body)
        # a first delivery: the subscription is known to the dispatcher before the window
        await p.gateway.call("POST", "/leads", body=lead_body(unique_name("wh")))
        await eventually(lambda: receiver.arrived, timeout=60, what="the first webhook")

    create = create_lead(p, k, name="create lead + webhook")

    async def step(i: int) -> None:
        if i == 0:
            seen[:] = [len(receiver.arrived)]
        await create.step(i)

    async def effect() -> bool:
        return len(receiver.arrived) - seen[0] >= k

    operation = Operation(create.name, k, step, prepare=prepare, effect=effect, alone=True)
    operation.observed["webhooks_received"] = lambda: float(len(receiver.arrived) - seen[0])
    return operation
