"""The ledger check: what the load was told was accepted against what the platform stored,
published and applied downstream.

* every accepted write is stored, and nothing answered with an error is;
* every stored lead's events are on the leads topic (read from the start by a consumer
  without a group), once in effect: a repeated record (same event id) is at-least-once
  delivery and allowed, a second event id for the same fact is a doubled write and is not;
* per aggregate, records sit in one partition under the aggregate's key, in the order
  the writes were made;
* downstream effects are exactly once: one contact (and ContactCreated) per converted lead,
  one deal (and DealCreated) per conversion that asked for one, and the leads and deals
  projections link them.

``lost_before`` relaxes "published" for facts whose request was sent before that moment
(a broker restart: Tansu keeps nothing): they may be missing, never doubled.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from crm_devstack.testing import eventually
from crm_shared.events.envelope import CloudEvent, parse_envelope

from .load import Ledger
from .platform import CONSUMES, FLOW, PARTITIONS, FaultPlatform

SETTLE_TIMEOUT = 90.0
Doc = dict[str, Any]


@dataclass(frozen=True)
class Event:
    """One record of a topic, decoded."""

    partition: int
    offset: int
    key: str | None
    envelope: CloudEvent

    @property
    def type(self) -> str:
        """The event type."""
        return self.envelope.type


async def read_records(
    bootstrap: str, topic: str, *, timeout: float = 30.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record now on ``topic`` in partition order, read from the start by a consumer
    without a group.

    Fails if the topic does not have :data:`PARTITIONS` partitions (a topic the broker
    auto-created would have its own count).
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()
        partitions = sorted(consumer.partitions_for_topic(topic) or ())
        assert len(partitions) == PARTITIONS, f"{topic} has partitions {partitions}"
        tps = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: list[ConsumerRecord[bytes, bytes]] = []

        async def read_to_end() -> bool:
            for batch in (await consumer.getmany(*tps, timeout_ms=200)).values():
                records.extend(batch)
            return all([await consumer.position(tp) >= end for tp, end in ends.items()])

        await eventually(read_to_end, timeout=timeout, interval=0, what=f"reading {topic}")
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        await consumer.stop()


async def read_topic(bootstrap: str, topic: str) -> list[Event]:
    """Every event now on ``topic`` (see :func:`read_records`); fails on a record that is
    not an event (the services publish nothing else)."""
    return [
        Event(r.partition, r.offset, r.key.decode() if r.key else None, parse_envelope(r.value))
        for r in await read_records(bootstrap, topic)
    ]


async def settle(platform: FaultPlatform, *, timeout: float = SETTLE_TIMEOUT) -> None:
    """Wait until the platform is quiet: every service's outbox is empty and every consumer
    group has committed everything on the topics it reads, twice in a row with the same
    end offsets (so nothing was published in between)."""
    bootstrap = platform.servers.kafka_bootstrap
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    previous: dict[TopicPartition, int] = {}
    groups = {g: owners for g, owners in CONSUMES.items() if g in platform.services}

    def partitions(owners: Iterable[str]) -> list[TopicPartition]:
        return [TopicPartition(platform.topic(o), p) for o in owners for p in range(PARTITIONS)]

    pending = "nothing read yet"

    async def quiet() -> bool:
        """True once nothing is pending; else ``pending`` says what still is."""
        nonlocal previous, pending
        try:
            # never ask for offsets of a missing topic: the broker would auto-create it
            missing = {platform.topic(o) for o in platform.services} - await consumer.topics()
            if missing:
                pending = f"topics {sorted(missing)} missing"
                return False
            ends: dict[TopicPartition, int] = await consumer.end_offsets(
                partitions(platform.services)
            )
            for group, owners in groups.items():
                tps = partitions(owners)
                committed = await admin.list_consumer_group_offsets(group, partitions=tps)
                behind = {
                    f"{tp.topic}:{tp.partition}": (
                        committed[tp].offset if tp in committed else None,
                        ends[tp],
                    )
                    for tp in tps
                    if ends[tp] > 0 and (tp not in committed or committed[tp].offset < ends[tp])
                }
                if behind:
                    pending = f"group {group} behind (committed, end): {behind}"
                    return False
        except KafkaError as exc:
            pending = f"Kafka error {exc!r}"
            return False
        for service in platform.services:
            if waiting := await platform.db(service)["outbox"].count_documents({}):
                pending = f"{waiting} rows in the {service} outbox"
                return False
        settled = ends == previous
        previous = ends
        pending = "end offsets moved since the last look"
        return settled

    try:
        await eventually(quiet, timeout=timeout, interval=0.3, what="the platform to settle")
    except AssertionError as exc:
        views = await _group_views(platform, admin, list(groups))
        raise AssertionError(f"{exc}; still pending: {pending}; {views}") from None
    finally:
        await admin.close()
        await consumer.stop()


async def _group_views(
    platform: FaultPlatform, admin: AIOKafkaAdminClient, groups: list[str]
) -> str:
    """What the broker and each live instance say about the groups (for a failure)."""
    seen = [f"broker: {await admin.describe_consumer_groups(groups)!r}"]
    for name, launched in platform.instances.items():
        for index, item in enumerate(launched):
            if not item.process.alive():
                continue
            try:
                body = (await platform.readiness(name, index)).json()
            except (httpx.HTTPError, ValueError) as exc:
                body = repr(exc)
            seen.append(f"{name}[{index}] readyz: {body}")
    return "; ".join(seen)


def distinct(events: Iterable[Event]) -> int:
    """How many different events (ids) there are among ``events``."""
    return len({e.envelope.id for e in events})


def _grouped(items: Iterable[Any], key: Any) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        grouped[str(key(item))].append(item)
    return grouped


@dataclass
class Observed:
    """What the platform holds once settled: the services' documents of the scenario's
    tenant, and every record of their topics."""

    leads: dict[str, Doc]
    contacts: dict[str, list[Doc]]
    """Contacts by the lead they were converted from."""
    deals: dict[str, list[Doc]]
    """Deals by the lead they were opened from."""
    projected: set[str]
    """Contact ids in the deals service's contact projection."""
    events: dict[str, list[Event]]
    """Records of each service's topic, by owner."""

    @classmethod
    async def collect(cls, platform: FaultPlatform) -> Observed:
        """Read the databases and the topics (from the start)."""

        async def docs(service: str, collection: str) -> list[Doc]:
            found = platform.db(service)[collection].find({"tenant_id": platform.tenant})
            return await found.to_list()

        bootstrap = platform.servers.kafka_bootstrap
        return cls(
            leads={d["_id"]: d for d in await docs("leads", "leads")},
            contacts=_grouped(
                await docs("contacts", "contacts"), lambda d: d.get("source_lead_id")
            ),
            deals=_grouped(await docs("deals", "deals"), lambda d: d["source_lead_id"]),
            projected={d["_id"] for d in await docs("deals", "contact_projection")},
            events={o: await read_topic(bootstrap, platform.topic(o)) for o in FLOW},
        )

    def of(self, owner: str, type_: str, field: str) -> dict[str, list[Event]]:
        """Events of one type on ``owner``'s topic, by a field of their data."""
        chosen = (e for e in self.events[owner] if e.type == type_)
        return _grouped(chosen, lambda e: e.envelope.data[field])

    def converted(self) -> set[str]:
        """Stored leads in status ``converted``."""
        return {i for i, d in self.leads.items() if d["status"] == "converted"}


@dataclass(frozen=True)
class FlowReport:
    """What the check counted (for the test log and scenario-specific assertions)."""

    leads: int
    converted: int
    contacts: int
    deals: int
    repeated_records: Mapping[str, int]
    """Records delivered more than once (same event id), per topic: allowed."""
    settled_in: float
    """Seconds the platform took to settle after the load."""

    def summary(self) -> str:
        """One line for the test log."""
        return (
            f"{self.leads} leads, {self.converted} converted, {self.contacts} contacts, "
            f"{self.deals} deals; records delivered again: {dict(self.repeated_records)}; "
            f"settled in {self.settled_in:.1f} s"
        )


def _stored(ledger: Ledger, seen: Observed) -> list[str]:
    """Accepted writes are stored; writes answered with an error are not."""
    problems = [f"accepted lead {i} not stored" for i in ledger.created if i not in seen.leads]
    problems += [
        f"lead {i} stored though its creation was refused"
        for i, doc in seen.leads.items()
        if i not in ledger.created and doc.get("email") not in ledger.unsure_emails
    ]
    converted = seen.converted()
    problems += [
        f"accepted conversion of {i} not stored" for i in set(ledger.converted) - converted
    ]
    problems += [
        f"lead {i} converted though its conversion was refused"
        for i in converted - set(ledger.converted) - ledger.unsure_conversions
    ]
    return problems


def _count_problem(what: str, count: int, *, expected: bool, required: bool) -> list[str]:
    """``count`` must be 1 when ``required``, at most 1 when ``expected``, else 0."""
    if count > 1 or (required and count == 0) or (not expected and count):
        want = "1" if required else "at most 1" if expected else "0"
        return [f"{what}: {count}, want {want}"]
    return []


def _published_and_applied(ledger: Ledger, seen: Observed, lost_before: float | None) -> list[str]:
    """Per stored lead: its events once in effect, and their effects downstream once."""
    created = seen.of("leads", "LeadCreated", "lead_id")
    conversions = seen.of("leads", "LeadConverted", "lead_id")
    contact_events = seen.of("contacts", "ContactCreated", "converted_lead_id")
    deal_events = seen.of("deals", "DealCreated", "deal_id")
    converted = seen.converted()
    unknown = {e.key for e in seen.events["leads"]} - set(seen.leads)
    problems = [f"events of lead {k}, which is not stored" for k in sorted(map(str, unknown))]

    def required(sent: float | None) -> bool:
        """Whether the fact's events must be there (stored facts always, unless the broker
        lost them: sent before ``lost_before`` or not known when)."""
        return lost_before is None or (sent is not None and sent > lost_before)

    for lead_id, lead in seen.leads.items():
        is_converted = lead_id in converted
        new_lead = required(ledger.created.get(lead_id))
        must = is_converted and required(ledger.converted.get(lead_id))
        wants_deal = is_converted and bool(lead["converted"].get("deal"))
        contacts = seen.contacts.get(lead_id, [])
        deals = seen.deals.get(lead_id, [])
        counts = (
            ("LeadCreated", distinct(created.get(lead_id, [])), True, new_lead),
            ("LeadConverted", distinct(conversions.get(lead_id, [])), is_converted, must),
            ("contacts", len(contacts), is_converted, must),
            ("ContactCreated", distinct(contact_events.get(lead_id, [])), is_converted, must),
            ("deals", len(deals), wants_deal, must and wants_deal),
        )
        for what, count, expected, needed in counts:
            problems += _count_problem(
                f"lead {lead_id} {what}", count, expected=expected, required=needed
            )
        for deal in deals:
            count = distinct(deal_events.get(deal["_id"], []))
            problems += _count_problem(
                f"deal {deal['_id']} DealCreated", count, expected=True, required=must
            )
        if must and len(contacts) == 1:
            problems += _links(lead, contacts[0], deals, seen)
    return problems


def _links(lead: Doc, contact: Doc, deals: Sequence[Doc], seen: Observed) -> list[str]:
    """The projections of a conversion: the lead knows its contact and deal, the deals
    service knows the contact, and the deal has the contact."""
    problems = []
    links = lead["converted"]
    if links.get("contact_id") != contact["_id"]:
        problems.append(f"lead {lead['_id']}: converted.contact_id {links.get('contact_id')}")
    if contact["_id"] not in seen.projected:
        problems.append(f"contact {contact['_id']} missing from the deals projection")
    for deal in deals:
        if links.get("deal_id") != deal["_id"]:
            problems.append(f"lead {lead['_id']}: converted.deal_id {links.get('deal_id')}")
        if [c["contact_id"] for c in deal.get("contacts") or []] != [contact["_id"]]:
            problems.append(f"deal {deal['_id']}: contacts {deal.get('contacts')}")
    return problems


def order_problems(topic: str, events: Sequence[Event], order: Sequence[str] = ()) -> list[str]:
    """Per key: key = subject, one partition, and the first record of each type of
    ``order`` in that order (partition order is delivery order)."""
    problems = []
    by_key = _grouped(events, lambda e: e.key)
    for event in events:
        if event.key != event.envelope.subject:
            problems.append(f"{topic}: key {event.key!r} != subject {event.envelope.subject!r}")
    for key, keyed in by_key.items():
        if len({e.partition for e in keyed}) > 1:
            spread = sorted({e.partition for e in keyed})
            problems.append(f"{topic}: key {key} in partitions {spread}")
        first = list(dict.fromkeys(e.type for e in keyed if e.type in order))
        if first != [t for t in order if t in first]:
            problems.append(f"{topic}: key {key} out of order: {first}")
    return problems


async def verify_flow(
    platform: FaultPlatform, ledger: Ledger, *, lost_before: float | None = None
) -> FlowReport:
    """Settle the platform, then check the ledger against the databases and the topics.

    Fails listing every broken promise at once.
    """
    started = time.monotonic()
    await settle(platform)
    settled_in = time.monotonic() - started
    seen = await Observed.collect(platform)
    problems = _stored(ledger, seen) + _published_and_applied(ledger, seen, lost_before)
    problems += order_problems("leads", seen.events["leads"], ("LeadCreated", "LeadConverted"))
    problems += order_problems("contacts", seen.events["contacts"])
    problems += order_problems("deals", seen.events["deals"])
    assert not problems, f"{len(problems)} broken promises:\n" + "\n".join(problems[:40])
    return FlowReport(
        leads=len(seen.leads),
        converted=len(seen.converted()),
        contacts=sum(len(found) for found in seen.contacts.values()),
        deals=sum(len(found) for found in seen.deals.values()),
        repeated_records={
            owner: len(found) - distinct(found) for owner, found in seen.events.items()
        },
        settled_in=settled_in,
    )
