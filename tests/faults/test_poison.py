"""Poison and malformed records on every topic the services consume, through the real
service processes: each consuming group dead-letters them to its own DLQ topic with the
reason in the headers, and the partition keeps moving (a good event sent after them on
the same partition is applied).

The records: bytes that are not JSON, an unknown event type, a known type at a schema
version nobody has, a 1.5 MB event that does not match its schema, and an empty record
without key or headers. One platform serves the whole module; each topic is its own test.
"""

from __future__ import annotations

import functools
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from crm_devstack.testing import Backend, TokenMinter, event_envelope, eventually
from crm_shared.events.catalogue import (
    ContactSnapshot,
    ContactUpdated,
    ConvertedContact,
    ConvertedDeal,
    DealStageChanged,
    EventData,
    LeadConverted,
)
from crm_shared.events.envelope import CloudEvent, new_envelope

from .conftest import scenario
from .ledger import read_records
from .platform import CONSUMES, FaultPlatform

pytestmark = pytest.mark.faults

HUGE_BYTES = 1_500_000
PARTITION = 0
"""Poison and the good event share one partition, so the good one can only be applied if
the consumer moved past the poison."""
EXPECTED_REASONS = Counter(
    {"invalid-envelope": 2, "unknown-type": 1, "unsupported-version": 1, "schema-mismatch": 1}
)


@dataclass
class PoisonRig:
    """The module's platform and one converted lead (its conversion fully applied)."""

    platform: FaultPlatform
    lead_id: str
    contact_id: str


@pytest.fixture(scope="module")
async def rig(
    backend: Backend, minter: TokenMinter, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[PoisonRig]:
    workdir: Path = tmp_path_factory.mktemp("poison")
    async with scenario(backend, minter, workdir) as platform:
        await platform.start()
        leads = platform.client("leads")
        body = {"last_name": "Racun", "email": f"{platform.run}@poison.example"}
        created = await leads.post("/v1/leads", json=body, headers=platform.auth())
        lead_id = created.json()["id"]
        converted = await leads.post(
            f"/v1/leads/{lead_id}/convert", json={}, headers=platform.auth()
        )
        assert converted.status_code == 200, converted.text

        async def linked() -> str | None:
            lead = await platform.db("leads")["leads"].find_one({"_id": lead_id}) or {}
            contact_id: str | None = (lead.get("converted") or {}).get("contact_id")
            return contact_id

        contact_id = await eventually(linked, timeout=60, what="the conversion applied")
        yield PoisonRig(platform, lead_id, contact_id)


def _poison(owner_type: str) -> list[tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]]:
    """(key, value, headers) of each poison record for a topic whose groups handle
    ``owner_type``."""

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


def _good_event(rig: PoisonRig, owner: str) -> tuple[str, EventData]:
    """The type poisoned on ``owner``'s topic (one its consumers handle), and a good event
    of that type to send after the poison."""
    unique = uuid.uuid4().hex[:8]
    if owner == "leads":
        return "LeadConverted", LeadConverted(
            lead_id=f"lead_poison{unique}",
            converted_by="user_admin",
            converted_at=datetime.now(UTC),
            source="web",
            contact=ConvertedContact(last_name="Sesudah", email=f"{unique}@poison.example"),
            deal=ConvertedDeal(name="After poison", amount=Decimal(10), currency="IDR"),
        )
    if owner == "contacts":
        contact = ContactSnapshot(
            contact_id=f"contact_poison{unique}",
            last_name="Sesudah",
            lifecycle_stage="prospect",
            version=2,
        )
        return "ContactUpdated", ContactUpdated(
            contact_id=contact.contact_id,
            contact=contact,
            changed_fields=["last_name"],
            converted_lead_id=rig.lead_id,
        )
    return "DealStageChanged", DealStageChanged(
        deal_id=f"deal_poison{unique}",
        pipeline_id="pipe_poison",
        from_stage="qualification",
        to_stage="proposal",
        amount=Decimal(10),
        currency="IDR",
        probability=50,
        source_lead_id=rig.lead_id,
        changed_by="user_admin",
    )


async def _applied(rig: PoisonRig, group: str, envelope: CloudEvent) -> bool:
    """Whether ``group`` applied the good event: its effect is in the group's database."""
    db = rig.platform.db(group)
    data = envelope.data
    if envelope.type == "LeadConverted":
        collection = "contacts" if group == "contacts" else "deals"
        return await db[collection].find_one({"source_lead_id": data["lead_id"]}) is not None
    if envelope.type == "ContactUpdated" and group == "deals":
        return await db["contact_projection"].find_one({"_id": data["contact_id"]}) is not None
    if group == "leads":
        lead = await db["leads"].find_one({"_id": rig.lead_id}) or {}
        links = lead.get("converted") or {}
        field = "contact_id" if envelope.type == "ContactUpdated" else "deal_id"
        return bool(links.get(field) == data.get(field))
    # contacts and DealStageChanged of a deal that was not won: nothing to change, but
    # the inbox records that it was handled, in the handler's transaction
    return await db["inbox"].find_one({"_id": f"{group}:{envelope.id}"}) is not None


async def _dead_letters(rig: PoisonRig, group: str, topic: str) -> list[dict[str, bytes]]:
    """Headers of the records ``group`` dead-lettered from ``topic`` (values kept aside)."""
    platform = rig.platform
    dlq = platform.dlq_topic(group)
    found = []
    for record in await read_records(platform.servers.kafka_bootstrap, dlq):
        headers = dict(record.headers)
        if headers.get("dlq.original.topic") == topic.encode():
            found.append({**headers, "value": record.value or b"", "key": record.key or b""})
    return found


@pytest.mark.parametrize("owner", ["leads", "contacts", "deals"])
async def test_poison_is_dead_lettered_and_the_partition_moves_on(
    rig: PoisonRig, owner: str
) -> None:
    platform = rig.platform
    topic = platform.topic(owner)
    groups = [group for group, owners in CONSUMES.items() if owner in owners]
    poisoned_type, good = _good_event(rig, owner)
    envelope = event_envelope(good, tenant_id=platform.tenant)
    producer = AIOKafkaProducer(
        bootstrap_servers=platform.servers.kafka_bootstrap, max_request_size=4 * HUGE_BYTES
    )
    await producer.start()
    try:
        for key, value, headers in _poison(poisoned_type):
            await producer.send_and_wait(
                topic, value, key=key, headers=headers, partition=PARTITION
            )
        await producer.send_and_wait(
            topic,
            envelope.to_bytes(),
            key=envelope.subject.encode() if envelope.subject else None,
            headers=envelope.kafka_headers(),
            partition=PARTITION,
        )
    finally:
        await producer.stop()

    for group in groups:
        await eventually(
            functools.partial(_applied, rig, group, envelope),
            timeout=60,
            interval=0.2,
            what=f"{group} to apply the event after the poison on {topic}",
        )
        letters = await eventually(
            functools.partial(_all_dead_letters, rig, group, topic),
            timeout=30,
            interval=0.2,
            what=f"{group}'s dead letters from {topic}",
        )
        assert Counter(h["dlq.reason"].decode() for h in letters) == EXPECTED_REASONS
        for headers in letters:
            assert headers["dlq.group"] == group.encode()
            assert headers["dlq.original.partition"] == str(PARTITION).encode()
            assert headers["dlq.error"]
        # too large for the dead-letter producer: dead-lettered without its bytes
        huge = [h for h in letters if "dlq.value.dropped" in h]
        assert len(huge) == 1 and int(huge[0]["dlq.value.dropped"]) > HUGE_BYTES
        assert huge[0]["dlq.reason"] == b"schema-mismatch" and huge[0]["key"] == b"poison"


async def _all_dead_letters(
    rig: PoisonRig, group: str, topic: str
) -> list[dict[str, bytes]] | None:
    letters = await _dead_letters(rig, group, topic)
    return letters if len(letters) >= sum(EXPECTED_REASONS.values()) else None
