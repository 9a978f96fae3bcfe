"""Test harness shared by every test folder: real servers, apps, tokens, event readers.

``CRM_TEST_BACKEND`` picks the servers: ``embedded`` (default: Tansu and one SecantusDB
per service, as ``crm up`` runs them, on free loopback ports), ``containers``
(testcontainers Kafka + MongoDB as a single-node replica set on loopback ports, see
:mod:`crm_devstack.containers`; needs a Docker engine on this machine), ``external``
(``CRM_TEST_MONGO_URL`` and ``CRM_TEST_KAFKA_BOOTSTRAP``).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

import httpx
import uvicorn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from crm_devstack.containers import start_container_pair
from crm_devstack.devkeys import mint_token
from crm_devstack.launcher import Launched, launch_services, wait_services_ready
from crm_devstack.servers import (
    ManagedProcess,
    free_port,
    start_embedded_servers,
    stop_all,
    stop_together,
)
from crm_devstack.services import SERVICES, ServiceSpec
from crm_shared.events.catalogue import EventData
from crm_shared.events.envelope import CloudEvent, new_envelope, parse_envelope
from crm_shared.kafka.topics import ensure_topics
from crm_shared.runtime import Runtime
from crm_shared.settings import ServiceSettings


class BackendUnavailable(RuntimeError):
    """The chosen test backend cannot run here (for example no Docker engine)."""


@dataclass
class Backend:
    """Where the tests' Kafka and MongoDB live.

    The embedded backend runs one MongoDB server per service, as ``crm up`` does:
    :meth:`mongo_url_for` gives a service's. ``mongo_url`` is the server of databases that
    belong to no service (the kit's and the shared library's tests); under ``containers``
    and ``external`` it is the one server of every service.
    """

    kind: str
    mongo_url: str
    kafka_bootstrap: str
    kafka_idempotence: bool
    processes: dict[str, ManagedProcess] = field(default_factory=dict)
    _cleanup: list[Callable[[], None]] = field(default_factory=list)
    service_mongo_urls: dict[str, str] = field(default_factory=dict)
    """Each service's own MongoDB URL, by service name (embedded backend only)."""

    def mongo_url_for(self, service: str) -> str:
        """The MongoDB URL of ``service``'s server (``mongo_url`` for a name that is no
        service's, and on backends with one server for all)."""
        return self.service_mongo_urls.get(service, self.mongo_url)

    def mongo_urls(self, services: Iterable[str]) -> dict[str, str]:
        """Each of ``services``' MongoDB URL, by name (for :func:`launch_services`)."""
        return {name: self.mongo_url_for(name) for name in services}

    def stop(self) -> None:
        """Stop everything this backend started (processes by PID, side by side; containers
        by id)."""
        stop_together(list(self.processes.values()))
        for cleanup in reversed(self._cleanup):
            with contextlib.suppress(Exception):
                cleanup()


def _embedded_mongo_url(process: ManagedProcess) -> str:
    return f"mongodb://127.0.0.1:{process.port}/?directConnection=true"


def start_backend(workdir: Path) -> Backend:
    """Start (or connect to) the backend named by ``CRM_TEST_BACKEND``."""
    kind = os.environ.get("CRM_TEST_BACKEND", "embedded")
    if kind == "embedded":
        broker, databases = start_embedded_servers(workdir, [spec.name for spec in SERVICES])
        urls = {name: _embedded_mongo_url(proc) for name, proc in databases.items()}
        return Backend(
            kind,
            mongo_url=urls[SERVICES[0].name],
            kafka_bootstrap=f"127.0.0.1:{broker.port}",
            kafka_idempotence=False,
            processes={"broker": broker} | {proc.name: proc for proc in databases.values()},
            service_mongo_urls=urls,
        )
    if kind == "containers":
        return _start_containers()
    if kind == "external":
        try:
            return Backend(
                kind,
                mongo_url=os.environ["CRM_TEST_MONGO_URL"],
                kafka_bootstrap=os.environ["CRM_TEST_KAFKA_BOOTSTRAP"],
                kafka_idempotence=os.environ.get("CRM_TEST_KAFKA_IDEMPOTENCE", "") == "true",
            )
        except KeyError as exc:
            raise BackendUnavailable(f"CRM_TEST_BACKEND=external needs {exc.args[0]}") from exc
    raise BackendUnavailable(
        f"unknown CRM_TEST_BACKEND={kind!r}; use embedded, containers or external"
    )


def _start_containers() -> Backend:
    """Kafka and a single-node MongoDB replica set in Docker (transactions need one)."""
    try:
        import docker

        docker.from_env().ping()
    except Exception as exc:
        raise BackendUnavailable(
            "CRM_TEST_BACKEND=containers needs a running Docker engine "
            f"({type(exc).__name__}: {exc}); use CRM_TEST_BACKEND=embedded here"
        ) from exc
    kafka, mongo = start_container_pair()
    backend = Backend(
        "containers",
        mongo_url=mongo.endpoint,
        kafka_bootstrap=kafka.endpoint,
        kafka_idempotence=True,
    )
    backend._cleanup += [kafka.close, mongo.close]
    return backend


class TokenMinter:
    """A test Ed25519 key pair standing in for the gateway's signing key."""

    def __init__(self) -> None:
        key = Ed25519PrivateKey.generate()
        self.private_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        self.public_pem = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def token(
        self, *, tenant: str, roles: Sequence[str], sub: str = "user_test", ttl: int = 600
    ) -> str:
        """A signed access token."""
        return mint_token(self.private_pem, tenant=tenant, roles=roles, sub=sub, ttl_seconds=ttl)

    def headers(
        self, *, tenant: str, roles: Sequence[str], sub: str = "user_test"
    ) -> dict[str, str]:
        """``Authorization`` header for a principal."""
        return {"Authorization": f"Bearer {self.token(tenant=tenant, roles=roles, sub=sub)}"}


def unique_name(prefix: str) -> str:
    """A short unique name for databases, topic prefixes, groups and tenants."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def run_namespace(run: str) -> dict[str, str]:
    """``extra_env`` entries giving the services of run ``run`` their own topics and
    consumer groups on a shared broker."""
    return {"TOPIC_PREFIX": f"{run}.", "KAFKA_GROUP_PREFIX": f"{run}."}


def isolated_settings(backend: Backend, minter: TokenMinter, service: str) -> dict[str, Any]:
    """Settings values isolating one test: own database (on ``service``'s server), topic
    prefix and consumer group ids (no rebalance of another test's group), fast groups."""
    prefix = unique_name("t") + "."
    return {
        "mongo_url": backend.mongo_url_for(service),
        "mongo_db": unique_name(f"t_{service}_"),
        "kafka_bootstrap": backend.kafka_bootstrap,
        "kafka_idempotence": backend.kafka_idempotence,
        "kafka_session_timeout_ms": 2000,
        "kafka_heartbeat_interval_ms": 300,
        "kafka_fetch_busy_wait_ms": 10,
        "kafka_fetch_max_wait_ms": 100,
        "topic_prefix": prefix,
        "kafka_group_prefix": prefix,
        "outbox_poll_interval_s": 0.2,
        "outbox_watch": False,
        "jwt_public_key": minter.public_pem,
        "consumer_retry_backoff_ms": 20,
        "log_level": "WARNING",
        "list_windowing": backend.kind == "embedded",
    }


@dataclass(frozen=True)
class ServiceProcesses:
    """Services started as processes for a test, and the topic prefix they share."""

    by_name: dict[str, Launched]
    topic_prefix: str


@contextlib.contextmanager
def service_processes(
    specs: Sequence[ServiceSpec],
    backend: Backend,
    minter: TokenMinter,
    log_dir: Path,
    *,
    service_settings: Mapping[str, Mapping[str, str]] | None = None,
    ready_timeout: float = 120.0,
) -> Iterator[ServiceProcesses]:
    """``specs`` started by the launcher behind ``crm up`` on the test backend, each in a
    database and under a topic prefix of this run (a gateway among them signs with the
    minter's key), each on its own database server, ready when entered and stopped by PID
    on exit."""
    run = unique_name("run")
    launched = launch_services(
        specs,
        mongo_url=backend.mongo_urls(spec.name for spec in specs),
        kafka_bootstrap=backend.kafka_bootstrap,
        public_key_pem=minter.public_pem,
        private_key_pem=minter.private_pem,
        ports={spec.name: free_port() for spec in specs},
        log_dir=log_dir,
        extra_env={
            "MONGO_DB": f"{run}_{{name}}",
            **run_namespace(run),
            "LOG_LEVEL": "WARNING",
            "OUTBOX_POLL_INTERVAL_S": "0.2",
        },
        service_settings=service_settings,
    )
    try:
        wait_services_ready(launched, timeout=ready_timeout)
        yield ServiceProcesses({item.spec.name: item for item in launched}, f"{run}.")
    finally:
        stop_all([item.process for item in launched])


@contextlib.asynccontextmanager
async def running_app(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and give an HTTP client talking to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@contextlib.asynccontextmanager
async def served(app: Any, *, lifespan: Literal["on", "off"] = "off") -> AsyncIterator[str]:
    """Serve the ASGI app with uvicorn on 127.0.0.1 (a free port) and give its base URL;
    stopped at the end. For stand-in upstreams and receivers, and for streamed responses,
    which the in-process transport of :func:`running_app` buffers."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan)
    )
    serving = asyncio.create_task(server.serve())
    try:
        await eventually(
            lambda: server.started or serving.done(), timeout=30, what="uvicorn server start"
        )
        if not server.started:
            raise RuntimeError("the app did not start (see its log)")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, timeout=15)


@contextlib.asynccontextmanager
async def serving_app(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Serve the app with its lifespan (see :func:`served`) and give a client of it."""
    async with served(app, lifespan="on") as url, httpx.AsyncClient(base_url=url) as client:
        yield client


async def eventually(
    check: Callable[[], Any],
    *,
    timeout: float = 15.0,
    interval: float = 0.05,
    what: str = "condition",
) -> Any:
    """Poll ``check`` until it returns something truthy, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


class TopicReader:
    """Reads a topic from the beginning in the background and keeps every record."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.records: list[Any] = []
        self._consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=unique_name("reader-"),
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            session_timeout_ms=2000,
            heartbeat_interval_ms=300,
            fetch_max_wait_ms=10,
        )
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> TopicReader:
        await self._consumer.start()
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await asyncio.wait_for(self._consumer.stop(), timeout=10)

    async def _read(self) -> None:
        async for record in self._consumer:
            self.records.append(record)

    async def wait_for_count(self, count: int, *, timeout: float = 20.0) -> list[Any]:
        """Wait until at least ``count`` records arrived; returns them."""
        try:
            await eventually(lambda: len(self.records) >= count, timeout=timeout)
        except AssertionError:
            raise AssertionError(
                f"{len(self.records)} of {count} records arrived on {self.topic} in {timeout}s"
            ) from None
        return list(self.records)


def event_envelope(event: EventData, *, tenant_id: str) -> CloudEvent:
    """The envelope the owning service would publish ``event`` in."""
    return new_envelope(
        source=f"/services/{event.owner}",
        type_=event.event_type,
        version=event.version,
        subject=event.subject(),
        tenant_id=tenant_id,
        data=event.model_dump(mode="json"),
    )


async def publish_envelopes(
    bootstrap: str, topic: str, envelopes: Sequence[CloudEvent], *, partitions: int = 6
) -> list[tuple[TopicPartition, int]]:
    """Publish envelopes as a service's relay would (key = subject, CloudEvents headers),
    through one producer; where each landed (partition and offset)."""
    await ensure_topics(bootstrap, {topic: partitions})
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        sent = [
            await producer.send(
                topic,
                envelope.to_bytes(),
                key=envelope.subject.encode() if envelope.subject else None,
                headers=envelope.kafka_headers(),
            )
            for envelope in envelopes
        ]
        await producer.flush()
        landed = [await future for future in sent]
    finally:
        await producer.stop()
    return [(TopicPartition(meta.topic, meta.partition), meta.offset) for meta in landed]


async def publish_event(
    bootstrap: str,
    topic: str,
    event: EventData,
    *,
    tenant_id: str,
    envelope: CloudEvent | None = None,
    partitions: int = 6,
) -> CloudEvent:
    """Publish ``event`` as its owning service would (CloudEvents envelope, key = subject).

    Pass the ``envelope`` a previous call returned to redeliver the very same event (same id).
    """
    envelope = envelope or event_envelope(event, tenant_id=tenant_id)
    await publish_envelopes(bootstrap, topic, [envelope], partitions=partitions)
    return envelope


async def publish_events(
    bootstrap: str, topic: str, events: Sequence[EventData], *, tenant_id: str
) -> list[CloudEvent]:
    """Publish many events of one tenant through one producer; their envelopes."""
    envelopes = [event_envelope(event, tenant_id=tenant_id) for event in events]
    await publish_envelopes(bootstrap, topic, envelopes)
    return envelopes


async def wait_consumed(bootstrap: str, *, group: str, topic: str, timeout: float = 30.0) -> None:
    """Wait until consumer ``group`` has committed every record now on ``topic``.

    Committed offsets move only after the handler's transaction committed, so once this
    returns, every event published before the call has been applied (or found applied).
    """
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await reader.start()
    await admin.start()
    try:
        await reader.topics()
        partitions = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic) or ()]
        ends = await reader.end_offsets(partitions)

        async def caught_up() -> bool:
            committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
            return all(
                tp in committed and committed[tp].offset >= end
                for tp, end in ends.items()
                if end > 0
            )

        await eventually(caught_up, timeout=timeout, interval=0.1, what=f"{group} on {topic}")
    finally:
        await admin.close()
        await reader.stop()


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


@dataclass
class RunningService(Generic[SettingsT]):
    """A service app running for a test session, and a reader of the topic it publishes."""

    client: httpx.AsyncClient
    settings: SettingsT
    app: FastAPI
    reader: TopicReader


@dataclass
class TenantView(Generic[SettingsT]):
    """The session's running app seen from one test's own tenant (tenants are isolated,
    so tests sharing the app never see each other's data)."""

    running: RunningService[SettingsT]
    minter: TokenMinter
    tenant: str
    _published: dict[str, list[tuple[TopicPartition, int]]] = field(
        default_factory=dict, repr=False
    )
    """Where each event this view published landed (see :meth:`handled`)."""

    @property
    def client(self) -> httpx.AsyncClient:
        """HTTP client of the app."""
        return self.running.client

    @property
    def settings(self) -> SettingsT:
        """The app's settings."""
        return self.running.settings

    @property
    def runtime(self) -> Runtime:
        """The app's runtime (database access for assertions)."""
        runtime: Runtime = self.running.app.state.runtime
        return runtime

    def auth(
        self, *roles: str, tenant: str | None = None, sub: str = "user_admin"
    ) -> dict[str, str]:
        """Headers of a principal (default: admin of this test's tenant)."""
        return self.minter.headers(tenant=tenant or self.tenant, roles=roles or ("admin",), sub=sub)

    def events(self, *types: str) -> list[CloudEvent]:
        """Events the app published for this tenant so far (optionally of some types)."""
        found = []
        for record in self.running.reader.records:
            event = parse_envelope(record.value)
            if event.tenantid != self.tenant:
                continue
            if not types or event.type in types:
                found.append(event)
        return found

    async def wait_events(self, count: int, *types: str, timeout: float = 30) -> list[CloudEvent]:
        """Wait until at least ``count`` events (of ``types``) were published for this tenant."""
        await eventually(
            lambda: len(self.events(*types)) >= count,
            timeout=timeout,
            what=f"{count} {types} events",
        )
        return self.events(*types)

    async def publish(
        self, owner: str, event: EventData, envelope: CloudEvent | None = None
    ) -> CloudEvent:
        """Publish ``event`` on ``owner``'s topic for this tenant (``envelope``: redeliver)."""
        envelope = envelope or event_envelope(event, tenant_id=self.tenant)
        ((partition, offset),) = await publish_envelopes(
            self.settings.kafka_bootstrap, self.settings.topic(owner), [envelope]
        )
        self._published.setdefault(envelope.id, []).append((partition, offset))
        return envelope

    async def handled(self, envelope: CloudEvent, group: str | None = None) -> bool:
        """Whether consumer ``group`` (default: the service's) committed this event (every
        time it was published here): its offsets are behind what the group committed."""
        group = group or self.settings.service_name
        runners = [c for c in self.runtime.consumers if c.spec.group == group]
        landed = self._published.get(envelope.id, [])
        return bool(landed) and all(
            any(runner.committed.get(tp, -1) > offset for runner in runners)
            for tp, offset in landed
        )
