"""A bench stack whose servers are reached through counting proxies, the wait for a quiet
platform, and the arithmetic that turns counted windows into costs per operation.

:func:`start_counted_stack` starts the broker (advertising its proxy's port) and one
database server per service, and a :class:`~bench.wire.Wire` with one proxy in front of
each; the stack's ``mongo_url_for(service)`` and ``kafka_bootstrap`` are the proxies', so
services started on it (with :func:`bench.platform.start_services`) send every request
through them. The benchmark reads the databases directly (``direct_mongo_url_for``) and
the broker through the proxy, where
its own connections are attributed to ``bench`` and left out of every figure.

A platform is *quiet* (:meth:`Probe.quiet`) when every consumer group has committed up to
the end of every partition of the topics it reads, no outbox row waits, no delivery job
is unfinished, an operation's own effect was observed, and the topics' end offsets and the
groups' commits did not move since the previous look. :func:`cost_per_unit` then takes
the counts of a window, subtracts the idle rate of every counted key times the window's
length, and divides by the units done (operations, e-mails, rows).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from bench.context import OUTBOX_COLLECTION
from bench.harness import Stack
from bench.wire import (
    BrokerRequest,
    DbCommand,
    Key,
    Wire,
    broker_requests,
    db_commands,
    difference,
    without,
)
from crm_devstack.servers import (
    free_port,
    kafka_bootstrap,
    mongo_server_name,
    mongo_url,
    start_broker,
    start_mongo_servers,
)
from crm_devstack.services import SERVICES
from crm_shared.delivery_queue import UNFINISHED

BENCH_PROCESS = "bench"
BROKER_LABEL = "tansu"
QUIET_POLL_S = 0.1
QUEUE_INDEX = {"status": 1, "due_at": 1}
"""The index every delivery queue collection has (``crm_shared.delivery_queue``)."""


@dataclass
class CountedStack(Stack):
    """A :class:`~bench.harness.Stack` whose addresses are those of counting proxies."""

    wire: Wire = field(default_factory=Wire)
    mongo_proxy_ports: dict[str, int] = field(default_factory=dict)
    """The counting proxy in front of each service's database server."""
    kafka_proxy_port: int = 0

    def mongo_url_for(self, service: str) -> str:
        """``service``'s database through its counting proxy (what services are given)."""
        return mongo_url(self.mongo_proxy_ports[service])

    @property
    def kafka_bootstrap(self) -> str:
        """The broker through its counting proxy (it advertises the proxy, too)."""
        return kafka_bootstrap(self.kafka_proxy_port)

    def direct_mongo_url_for(self, service: str) -> str:
        """``service``'s database server itself: the benchmark's own reads, never counted."""
        return mongo_url(self.databases[service].port)

    def owners(self) -> dict[str, int]:
        """The processes connections are attributed to: each service and this one."""
        named = {name: proc.pid for name, proc in self.services.items()}
        return {**named, BENCH_PROCESS: os.getpid()}

    def counts(self) -> dict[Key, float]:
        """Every request counted so far, less the benchmark's own."""
        return without(self.wire.tally.snapshot(), [BENCH_PROCESS])

    def stop(self) -> None:
        """Stop services and servers (by PID), then the proxies."""
        try:
            super().stop()
        finally:
            self.wire.close()


def start_counted_stack(workdir: Path) -> CountedStack:
    """Broker and one database server per service (``mongo-<service>`` in the counts) on
    free ports, each behind a counting proxy on another."""
    wire = Wire()
    started: list[Any] = []
    try:
        kafka_proxy = free_port()
        broker = start_broker(log_path=workdir / "broker.log", advertised_port=kafka_proxy)
        started.append(broker)
        data_dirs = {spec.name: workdir / mongo_server_name(spec.name) for spec in SERVICES}
        databases = start_mongo_servers(data_dirs, log_dir=workdir)
        started.extend(databases.values())
        wire.add("kafka", BROKER_LABEL, listen_port=kafka_proxy, upstream_port=broker.port)
        mongo_proxies = {}
        for name, server in databases.items():
            mongo_proxies[name] = free_port()
            wire.add(
                "mongo",
                mongo_server_name(name),
                listen_port=mongo_proxies[name],
                upstream_port=server.port,
            )
    except BaseException:
        for proc in reversed(started):
            with contextlib.suppress(Exception):
                proc.stop()
        wire.close()
        raise
    stack = CountedStack(
        workdir=workdir,
        broker=broker,
        databases=databases,
        wire=wire,
        mongo_proxy_ports=mongo_proxies,
        kafka_proxy_port=kafka_proxy,
    )
    wire.set_owners(stack.owners)
    return stack


# --------------------------------------------------------------------------- quiet


@dataclass(frozen=True)
class BusState:
    """What the broker, the outboxes and the delivery queues hold at one moment."""

    ends: Mapping[TopicPartition, int]
    committed: Mapping[str, Mapping[TopicPartition, int]]
    outbox: Mapping[str, int]
    unfinished: Mapping[str, int]

    def lag(self) -> dict[str, int]:
        """Records each group has not committed yet, on the topics it reads (those it has
        committed on at least once)."""
        lags: dict[str, int] = {}
        for group, offsets in self.committed.items():
            topics = {tp.topic for tp in offsets}
            lags[group] = sum(
                max(0, end - offsets.get(tp, 0))
                for tp, end in self.ends.items()
                if tp.topic in topics
            )
        return lags

    def settled(self) -> bool:
        """Nothing left to consume, publish or deliver."""
        idle = not any(self.lag().values())
        return idle and not any(self.outbox.values()) and not any(self.unfinished.values())

    def brief(self) -> dict[str, Any]:
        """What is still in flight (for error messages)."""
        return {
            "lag": {g: n for g, n in self.lag().items() if n},
            "outbox": {d: n for d, n in self.outbox.items() if n},
            "unfinished": {q: n for q, n in self.unfinished.items() if n},
        }


class Probe:
    """Looks at the platform from outside: the broker (through the proxy, as ``bench``)
    and the services' databases (directly)."""

    def __init__(
        self, stack: CountedStack, databases: Mapping[str, str], topic_prefix: str
    ) -> None:
        """``databases``: each database the platform writes, with its server's direct URL."""
        self._prefix = topic_prefix
        self._databases = list(databases)
        self._admin = AIOKafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
        self._offsets = AIOKafkaConsumer(
            bootstrap_servers=stack.kafka_bootstrap, enable_auto_commit=False
        )
        clients: dict[str, AsyncMongoClient[dict[str, Any]]] = {}
        for url in set(databases.values()):
            clients[url] = AsyncMongoClient(url, retryWrites=False)
        self._clients = list(clients.values())
        self._mongo = {database: clients[url] for database, url in databases.items()}
        self._queues: dict[str, list[str]] = {}

    async def __aenter__(self) -> Probe:
        await asyncio.wait_for(self._admin.start(), timeout=15)
        await asyncio.wait_for(self._offsets.start(), timeout=15)
        return self

    async def __aexit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._offsets.stop(), timeout=10)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._admin.close(), timeout=10)
        for client in self._clients:
            await client.close()

    async def _queue_collections(self, database: str) -> list[str]:
        """The delivery queue collections of ``database`` (found by their index)."""
        if database not in self._queues:
            found = []
            db = self._mongo[database][database]
            for name in await db.list_collection_names():
                async for spec in await db[name].list_indexes():
                    if dict(spec["key"]) == QUEUE_INDEX:
                        found.append(name)
                        break
            self._queues[database] = found
        return self._queues[database]

    def forget_queues(self) -> None:
        """Look for the delivery queue collections again (they appear as services use
        them; finding them costs a listing of every collection)."""
        self._queues.clear()

    async def _database_state(self, database: str) -> tuple[int, dict[str, int]]:
        """Rows in ``database``'s outbox, unfinished jobs in each of its queues."""
        db = self._mongo[database][database]
        rows = await db[OUTBOX_COLLECTION].count_documents({})
        unfinished = {}
        for name in await self._queue_collections(database):
            jobs = await db[name].count_documents({"status": {"$in": list(UNFINISHED)}})
            unfinished[f"{database}.{name}"] = jobs
        return rows, unfinished

    async def state(self) -> BusState:
        """The broker's end offsets and the groups' commits on the run's topics, rows in
        each outbox and unfinished jobs in each delivery queue."""
        topics = {t for t in await self._offsets.topics() if t.startswith(self._prefix)}
        partitions = [
            TopicPartition(t, p)
            for t in topics
            for p in self._offsets.partitions_for_topic(t) or ()
        ]
        ends = await self._offsets.end_offsets(partitions) if partitions else {}
        groups = [g for g, _ in await self._admin.list_consumer_groups()] if ends else []
        # with the partitions named: Tansu's answer to "all partitions" does not parse
        fetched = await asyncio.gather(
            *(self._admin.list_consumer_group_offsets(g, partitions=list(ends)) for g in groups)
        )
        committed: dict[str, dict[TopicPartition, int]] = {}
        for group, offsets in zip(groups, fetched, strict=True):
            mine = {tp: m.offset for tp, m in offsets.items() if tp in ends and m.offset >= 0}
            if mine:
                committed[group] = mine
        counted = await asyncio.gather(*(self._database_state(db) for db in self._databases))
        outbox = {db: rows for db, (rows, _) in zip(self._databases, counted, strict=True)}
        unfinished = {queue: n for _, queues in counted for queue, n in queues.items()}
        return BusState(ends, committed, outbox, unfinished)

    async def quiet(
        self,
        *,
        timeout: float,
        effect: Callable[[], Awaitable[bool]] | None = None,
        what: str = "the platform",
    ) -> float:
        """Wait until the platform is quiet (and ``effect`` holds); the moment it was
        (``time.perf_counter()``): the first look that found it settled and unchanged."""
        deadline = time.monotonic() + timeout
        previous: BusState | None = None
        last: BusState | None = None
        while time.monotonic() < deadline:
            looked_at = time.perf_counter()
            state = await self.state()
            done = state.settled() and (effect is None or await effect())
            if done and previous is not None and state == previous:
                return looked_at
            previous = state if done else None
            last = state
            await asyncio.sleep(QUIET_POLL_S)
        brief = last.brief() if last is not None else {}
        raise TimeoutError(f"{what} not quiet after {timeout:.0f} s: {brief}")


# --------------------------------------------------------------------------- arithmetic


@dataclass(frozen=True)
class Window:
    """Requests counted between two moments (the benchmark's own left out)."""

    counts: Mapping[Key, float]
    seconds: float

    @classmethod
    def between(
        cls, before: Mapping[Key, float], after: Mapping[Key, float], seconds: float
    ) -> Window:
        """The window from ``before`` to ``after``."""
        return cls(difference(after, before), seconds)

    def __add__(self, other: Window) -> Window:
        merged: dict[Key, float] = defaultdict(float)
        for counts in (self.counts, other.counts):
            for key, n in counts.items():
                merged[key] += n
        return Window(dict(merged), self.seconds + other.seconds)

    def rate(self) -> dict[Key, float]:
        """Requests per second of every key."""
        return {k: n / self.seconds for k, n in self.counts.items()} if self.seconds else {}


async def idle_window(stack: CountedStack, seconds: float) -> Window:
    """What the platform sends while nothing happens for ``seconds``."""
    before, started = stack.counts(), time.perf_counter()
    await asyncio.sleep(seconds)
    return Window.between(before, stack.counts(), time.perf_counter() - started)


def cost_per_unit(active: Window, idle: Window, units: float) -> dict[Key, float]:
    """``active`` less ``idle``'s rate over ``active``'s length, per unit."""
    rate = idle.rate()
    keys = set(active.counts) | set(rate)
    return {
        key: (active.counts.get(key, 0) - rate.get(key, 0.0) * active.seconds) / units
        for key in keys
    }


def _grouped(counts: Mapping[Any, float], by: Callable[[Any], str]) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for key, n in counts.items():
        totals[by(key)] += n
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def _rounded(
    values: Mapping[str, float], places: int = 2, floor: float = 0.005
) -> dict[str, float]:
    return {k: round(v, places) for k, v in values.items() if abs(v) >= floor}


def summarize(
    costs: Mapping[Key, float], *, database_names: Callable[[str], str]
) -> dict[str, Any]:
    """Totals and break-downs of one cost (per unit or per second)."""
    db = db_commands(costs)
    broker = broker_requests(costs)

    def command(key: DbCommand) -> str:
        return key.command if key.opcode == "OP_MSG" else f"{key.command} ({key.opcode})"

    def target(key: DbCommand) -> str:
        where = database_names(key.database)
        return f"{key.process}: {command(key)} {where}.{key.collection or '-'}"

    def api(key: BrokerRequest) -> str:
        return key.api

    return {
        "db_commands": round(sum(db.values()), 2),
        "transactions": round(sum(n for k, n in db.items() if k.transaction == "start"), 2),
        "commands_in_transactions": round(sum(n for k, n in db.items() if k.transaction), 2),
        "broker_requests": round(sum(broker.values()), 2),
        "broker_requests_besides_fetch": round(
            sum(n for k, n in broker.items() if k.api != "Fetch"), 2
        ),
        "db_by_command": _rounded(_grouped(db, command)),
        "db_by_process": _rounded(_grouped(db, lambda k: k.process)),
        "db_by_database": _rounded(_grouped(db, lambda k: database_names(k.database))),
        "db_by_server": _rounded(_grouped(db, lambda k: k.server)),
        "db_by_target": _rounded(_grouped(db, target)),
        "broker_by_api": _rounded(_grouped(broker, api)),
        "broker_by_process": _rounded(_grouped(broker, lambda k: k.process)),
    }
