"""Poison and malformed records on every topic the services consume, through the real
service processes: each consuming group dead-letters them to its own DLQ topic with the
reason in the headers, and the partition keeps moving (a good event sent after them on
the same partition is committed past, applied where its effect is checked, and never
dead-lettered).

The records: bytes that are not JSON, an unknown event type, a known type at a schema
version nobody has, a 1.5 MB event that does not match its schema, and an empty record
without key or headers. The runner checks envelope, version and schema before it looks
for a handler, so every group reading a topic dead-letters all five, whether it handles
the poisoned type or not. Which groups read a topic is what the services' ``/readyz``
report. One platform (all five services) serves the module; each topic is its own test.
"""

from __future__ import annotations

import functools
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from crm_devstack.servers import start_mail_sink
from crm_devstack.testing import Backend, TokenMinter, event_envelope, eventually
from crm_shared.events.catalogue import (
    ContactSnapshot,
    ContactUpdated,
    ConvertedContact,
    ConvertedDeal,
    DealStageChanged,
    EmailRequested,
    EventData,
    LeadConverted,
    NotificationSent,
    all_models,
)
from crm_shared.events.envelope import CloudEvent, new_envelope
from notifications.email.repository import EMAIL_DELIVERIES
from notifications.inapp.handlers import GROUP_SUFFIX
from notifications.inapp.repository import NOTIFICATIONS

from .conftest import scenario
from .ledger import read_records
from .platform import CONSUMES, FLOW, PARTITIONS, FaultPlatform

pytestmark = pytest.mark.faults

OWNERS = sorted({model.owner for model in all_models()})
"""Every topic (by owner) events are published on, hence may be consumed from."""
HUGE_BYTES = 1_500_000
PARTITION = 0
"""Poison and the good event share one partition, so the good one can only be handled if
the consumer moved past the poison."""
EXPECTED_REASONS = Counter(
    {"invalid-envelope": 2, "unknown-type": 1, "unsupported-version": 1, "schema-mismatch": 1}
)
INAPP_GROUP = f"notifications-{GROUP_SUFFIX}"
TIMEOUT = 60.0


@dataclass
class PoisonRig:
    """The module's platform, one converted lead (its conversion fully applied), and the
    groups reading each owner's topic with the service each belongs to."""

    platform: FaultPlatform
    lead_id: str
    contact_id: str
    readers: Mapping[str, Mapping[str, str]]


@pytest.fixture(scope="module")
async def rig(
    backend: Backend, minter: TokenMinter, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[PoisonRig]:
    workdir: Path = tmp_path_factory.mktemp("poison")
    # the e-mail a good EmailRequested asks for goes to a sink of the module's own
    mail = start_mail_sink(mail_dir=workdir / "mail", log_path=workdir / "mail.log")
    try:
        async with scenario(backend, minter, workdir) as platform:
            await platform.start(FLOW)
            lead_id, contact_id = await _converted_lead(platform)
            smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mail.port)}
            await platform.start(["campaigns", "notifications"], settings=smtp)
            readers = await _readers(platform)
            yield PoisonRig(platform, lead_id, contact_id, readers)
    finally:
        mail.stop()


async def _converted_lead(platform: FaultPlatform) -> tuple[str, str]:
    """Create and convert a lead; its id and its contact's once the lead links the contact."""
    leads = platform.client("leads")
    body = {"last_name": "Racun", "email": f"{platform.run}@poison.example"}
    created = await leads.post("/v1/leads", json=body, headers=platform.auth())
    lead_id: str = created.json()["id"]
    converted = await leads.post(f"/v1/leads/{lead_id}/convert", json={}, headers=platform.auth())
    assert converted.status_code == 200, converted.text

    async def linked() -> str | None:
        lead = await platform.db("leads")["leads"].find_one({"_id": lead_id}) or {}
        contact_id: str | None = (lead.get("converted") or {}).get("contact_id")
        return contact_id

    contact_id = await eventually(linked, timeout=TIMEOUT, what="the conversion applied")
    return lead_id, contact_id


async def _readers(platform: FaultPlatform) -> dict[str, dict[str, str]]:
    """The groups reading each owner's topic, with their service, as the instances'
    ``/readyz`` report them once every group holds all partitions of its topics (one
    instance per service: a group's only member gets every partition)."""
    prefix = f"{platform.run}."

    async def assigned() -> dict[str, dict[str, str]] | None:
        readers: dict[str, dict[str, str]] = defaultdict(dict)
        for service in platform.services:
            consumers = (await platform.readiness(service)).json()["consumers"]
            for group, partitions in consumers.items():
                held = Counter(p.rpartition(":")[0] for p in partitions)
                if set(held.values()) != {PARTITIONS}:
                    return None
                for topic in held:
                    readers[topic.removeprefix(prefix)][group] = service
        return readers

    readers: dict[str, dict[str, str]] = await eventually(
        assigned, timeout=TIMEOUT, interval=0.2, what="every consumer group assigned"
    )
    return readers


@dataclass(frozen=True)
class GoodEvent:
    """The event sent after the poison, and the groups whose effect of it is checked
    (the others reading the topic skip it or leave nothing to look at: for them, committing
    past it without dead-lettering it is the proof it was handled)."""

    data: EventData
    applied_by: frozenset[str]


def _good_lead_event(rig: PoisonRig, unique: str) -> GoodEvent:
    event = LeadConverted(
        lead_id=f"lead_poison{unique}",
        converted_by="user_admin",
        converted_at=datetime.now(UTC),
        source="web",
        contact=ConvertedContact(last_name="Sesudah", email=f"{unique}@poison.example"),
        deal=ConvertedDeal(name="After poison", amount=Decimal(10), currency="IDR"),
    )
    return GoodEvent(event, frozenset({"contacts", "deals"}))


def _good_contact_event(rig: PoisonRig, unique: str) -> GoodEvent:
    contact = ContactSnapshot(
        contact_id=f"contact_poison{unique}",
        last_name="Sesudah",
        lifecycle_stage="prospect",
        version=2,
    )
    event = ContactUpdated(
        contact_id=contact.contact_id,
        contact=contact,
        changed_fields=["last_name"],
        converted_lead_id=rig.lead_id,
    )
    return GoodEvent(event, frozenset({"leads", "deals"}))


def _good_deal_event(rig: PoisonRig, unique: str) -> GoodEvent:
    event = DealStageChanged(
        deal_id=f"deal_poison{unique}",
        pipeline_id="pipe_poison",
        from_stage="qualification",
        to_stage="proposal",
        amount=Decimal(10),
        currency="IDR",
        probability=50,
        source_lead_id=rig.lead_id,
        owner_id="user_poison_owner",
        changed_by="user_admin",
    )
    return GoodEvent(event, frozenset({"leads", INAPP_GROUP}))


def _good_campaign_event(rig: PoisonRig, unique: str) -> GoodEvent:
    event = EmailRequested(
        request_id=f"req_poison{unique}",
        to=f"{unique}@poison.example",
        subject_line="After poison",
        body_text="The partition moved on.",
        requested_by="user_admin",
    )
    return GoodEvent(event, frozenset({"notifications"}))


def _good_notification_event(rig: PoisonRig, unique: str) -> GoodEvent:
    event = NotificationSent(
        notification_id=f"ntf_poison{unique}",
        channel="email",
        recipient=f"{unique}@poison.example",
        sent_at=datetime.now(UTC),
    )
    return GoodEvent(event, frozenset())


GOOD_EVENTS: Mapping[str, Callable[[PoisonRig, str], GoodEvent]] = {
    "leads": _good_lead_event,
    "contacts": _good_contact_event,
    "deals": _good_deal_event,
    "campaigns": _good_campaign_event,
    "notifications": _good_notification_event,
}
"""Per owner, a good event of a type (poisoned too) that some groups reading it handle."""


def _poison(owner_type: str) -> list[tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]]:
    """(key, value, headers) of each poison record for a topic carrying ``owner_type``."""

    def envelope(type_: str, version: int, data: dict[str, object]) -> CloudEvent:
        return new_envelope(
            source="/tests/poison",
            type_=type_,
            version=version,
            subject="poison",
            tenant_id="poison",
            data=data,
        )

    records = [
        envelope("NoSuchEvent", 1, {}),
        envelope(owner_type, 99, {}),
        envelope(owner_type, 1, {"padding": "x" * HUGE_BYTES}),
    ]
    return [
        (b"poison", b"{not json", []),
        *((b"poison", e.to_bytes(), e.kafka_headers()) for e in records),
        (None, b"", []),  # no key, no headers, nothing in it
    ]


async def _send_poison_then(platform: FaultPlatform, topic: str, envelope: CloudEvent) -> int:
    """Send the poison of ``envelope``'s type, then ``envelope``, all to :data:`PARTITION`;
    returns the good record's offset."""
    producer = AIOKafkaProducer(
        bootstrap_servers=platform.servers.kafka_bootstrap, max_request_size=4 * HUGE_BYTES
    )
    await producer.start()
    try:
        for key, value, headers in _poison(envelope.type):
            await producer.send_and_wait(
                topic, value, key=key, headers=headers, partition=PARTITION
            )
        sent = await producer.send_and_wait(
            topic,
            envelope.to_bytes(),
            key=envelope.subject.encode() if envelope.subject else None,
            headers=envelope.kafka_headers(),
            partition=PARTITION,
        )
    finally:
        await producer.stop()
    offset: int = sent.offset
    return offset


async def _applied(rig: PoisonRig, group: str, service: str, envelope: CloudEvent) -> bool:
    """Whether ``group`` (of ``service``) applied the good event: its effect is in the
    service's database."""
    db = rig.platform.db(service)
    data = envelope.data
    if envelope.type == "LeadConverted" and group in ("contacts", "deals"):
        return await db[group].find_one({"source_lead_id": data["lead_id"]}) is not None
    if envelope.type == "ContactUpdated" and group == "deals":
        return await db["contact_projection"].find_one({"_id": data["contact_id"]}) is not None
    if group == "leads":
        lead = await db["leads"].find_one({"_id": rig.lead_id}) or {}
        links = lead.get("converted") or {}
        field = "contact_id" if envelope.type == "ContactUpdated" else "deal_id"
        return bool(links.get(field) == data.get(field))
    if envelope.type == "EmailRequested":
        return await db[EMAIL_DELIVERIES].find_one({"_id": data["request_id"]}) is not None
    if group == INAPP_GROUP:
        return await db[NOTIFICATIONS].find_one({"data.deal_id": data["deal_id"]}) is not None
    raise AssertionError(f"no effect of {envelope.type} to look for in {group}")


async def _committed_past(platform: FaultPlatform, group: str, owner: str, offset: int) -> bool:
    """Whether ``group`` committed past ``offset`` on :data:`PARTITION` of ``owner``'s topic."""
    committed = await platform.committed(group, owner)
    return committed.get(PARTITION, -1) > offset


async def _dead_letters(platform: FaultPlatform, group: str, topic: str) -> list[dict[str, bytes]]:
    """Headers of the records ``group`` dead-lettered from ``topic`` (value and key added)."""
    dlq = platform.dlq_topic(group)
    found = []
    for record in await read_records(platform.servers.kafka_bootstrap, dlq):
        headers = dict(record.headers)
        if headers.get("dlq.original.topic") == topic.encode():
            found.append({**headers, "value": record.value or b"", "key": record.key or b""})
    return found


@pytest.mark.parametrize("owner", OWNERS)
async def test_poison_is_dead_lettered_and_the_partition_moves_on(
    rig: PoisonRig, owner: str
) -> None:
    platform = rig.platform
    topic = platform.topic(owner)
    readers = rig.readers.get(owner, {})
    good = GOOD_EVENTS[owner](rig, uuid.uuid4().hex[:8])
    flow_groups = {group for group, owners in CONSUMES.items() if owner in owners}
    assert readers.keys() >= flow_groups | good.applied_by, f"groups reading {topic}: {readers}"
    envelope = event_envelope(good.data, tenant_id=platform.tenant)
    offset = await _send_poison_then(platform, topic, envelope)

    for group, service in sorted(readers.items()):
        if group in good.applied_by:
            await eventually(
                functools.partial(_applied, rig, group, service, envelope),
                timeout=TIMEOUT,
                interval=0.2,
                what=f"{group} to apply the event after the poison on {topic}",
            )
        await eventually(
            functools.partial(_committed_past, platform, group, owner, offset),
            timeout=TIMEOUT,
            interval=0.2,
            what=f"{group} to commit past offset {offset} of {topic}[{PARTITION}]",
        )
        # dead letters are acknowledged before the offsets past them are committed
        letters = await _dead_letters(platform, group, topic)
        reasons = Counter(h["dlq.reason"].decode() for h in letters)
        assert reasons == EXPECTED_REASONS, f"{group} dead-lettered {reasons} from {topic}"
        for headers in letters:
            assert headers["dlq.group"] == group.encode()
            assert headers["dlq.original.partition"] == str(PARTITION).encode()
            assert int(headers["dlq.original.offset"]) < offset, f"{group}: {headers}"
            assert headers["dlq.error"]
        # too large for the dead-letter producer: dead-lettered without its bytes
        huge = [h for h in letters if "dlq.value.dropped" in h]
        assert len(huge) == 1 and int(huge[0]["dlq.value.dropped"]) > HUGE_BYTES, group
        assert huge[0]["dlq.reason"] == b"schema-mismatch" and huge[0]["key"] == b"poison"
