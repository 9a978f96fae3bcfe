"""Unit of work: the one place that commits. State changes and their events together.

``await uow.run(work)`` runs ``work(tx)`` in one MongoDB transaction; every event the
work emits with ``tx.emit`` is written to the ``outbox`` collection in that same
transaction, then the relay is woken right after the commit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from functools import partial
from typing import Any, TypeVar, cast

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.cache import TenantCache
from crm_shared.events.catalogue import EventData
from crm_shared.events.envelope import CloudEvent, new_envelope
from crm_shared.mongo.sessions import TransactionSessions
from crm_shared.mongo.transactions import run_in_transaction
from crm_shared.outbox_rows import pack
from crm_shared.settings import ServiceSettings
from crm_shared.telemetry import current_traceparent

T = TypeVar("T")
OUTBOX_COLLECTION = "outbox"


class Tx:
    """What a unit of work sees: the session, and ``emit`` for outgoing events."""

    def __init__(
        self,
        session: AsyncClientSession,
        uow: UnitOfWork,
        *,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        transactional: bool = True,
    ) -> None:
        self._session = session
        self.touched = False
        """Whether the session was handed out (or a before-commit hook registered) since
        this was last set to False: a handler that did not touch it wrote nothing."""
        self._uow = uow
        self._correlation_id = correlation_id
        self._causation_id = causation_id
        self._transactional = transactional
        self.emitted = 0
        """Events written to the outbox so far."""
        self.commit_hooks: list[Callable[[], None]] = []
        """Called after this transaction committed (wake a dispatcher of what it wrote)."""
        self.flush_hooks: list[Callable[[], Awaitable[None]]] = []
        """Awaited at the end of the work, before the commit (buffered bulk writes)."""
        self.follow_ups: list[Callable[[], Awaitable[None]]] = []
        """Awaited after the commit: work that must see this transaction committed."""
        self._buffers: dict[Hashable, list[Any]] = {}

    @property
    def session(self) -> AsyncClientSession:
        """The session every read and write of this unit of work passes."""
        self.touched = True
        return self._session

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` once this transaction has committed (never if it rolls back)."""
        if hook not in self.commit_hooks:
            self.commit_hooks.append(hook)

    def then(self, follow_up: Callable[[], Awaitable[None]]) -> None:
        """Await ``follow_up`` once this transaction has committed (never if it rolls back).

        For a check that must run after this commit is visible: two handlers that each
        write, then read what the other writes, cannot both miss the other's write. A
        follow-up that fails fails the unit of work's call after the commit."""
        self.follow_ups.append(follow_up)

    def before_commit(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Await ``hook`` after the work, inside the transaction, just before it commits:
        handlers of a batch of events buffer their writes and flush them in one bulk."""
        self.touched = True
        self.flush_hooks.append(hook)

    def buffer(self, key: Hashable, flush: Callable[[list[Any]], Awaitable[None]]) -> list[Any]:
        """The items buffered under ``key`` in this unit of work, to append to; the first
        call registers ``flush(items)`` to run once, just before the commit (the handlers
        of a batch of events add to one list, written in one bulk)."""
        items = self._buffers.get(key)
        if items is None:
            items = self._buffers[key] = []
            self.before_commit(partial(flush, items))
        return items

    async def flush(self) -> None:
        """Run the :meth:`before_commit` hooks (the unit of work calls this)."""
        for hook in self.flush_hooks:
            await hook()

    def caused_by(self, *, correlation_id: str, causation_id: str) -> None:
        """Stamp the events emitted from now on (a transaction applying several events)."""
        self._correlation_id = correlation_id
        self._causation_id = causation_id

    @property
    def db(self) -> AsyncDatabase[Any]:
        """The service database this transaction writes to (pass ``session`` on every call)."""
        return self._uow.db

    @property
    def uow(self) -> UnitOfWork:
        """The unit of work running this transaction (for its per-tenant caches)."""
        return self._uow

    async def emit(self, event: EventData, *, tenant_id: str) -> CloudEvent:
        """Write ``event`` to the outbox inside this transaction and return its envelope."""
        return (await self.emit_many([event], tenant_id=tenant_id))[0]

    async def emit_many(self, events: list[EventData], *, tenant_id: str) -> list[CloudEvent]:
        """Write several events to the outbox in one round trip, batched into few rows
        (bulk paths such as import; see :mod:`crm_shared.outbox_rows`)."""
        if not self._transactional:
            raise RuntimeError("events are emitted only inside a transaction (uow.run)")
        settings = self._uow.settings
        traceparent = current_traceparent()
        envelopes, rows = [], []
        for event in events:
            envelope = new_envelope(
                source=f"/services/{settings.service_name}",
                type_=event.event_type,
                version=event.version,
                subject=event.subject(),
                tenant_id=tenant_id,
                data=event.model_dump(mode="json"),
                correlation_id=self._correlation_id,
                causation_id=self._causation_id,
                traceparent=traceparent,
            )
            envelopes.append(envelope)
            rows.append(
                {
                    "_id": envelope.id,
                    "topic": settings.topic(event.owner),
                    "key": envelope.subject,
                    "type": envelope.type,
                    "value": envelope.to_bytes(),
                    "headers": [[k, v] for k, v in envelope.kafka_headers()],
                    "traceparent": traceparent,
                    "tenant_id": tenant_id,
                    "created_at": envelope.time,
                }
            )
        if rows:
            await self._uow.db[OUTBOX_COLLECTION].insert_many(pack(rows), session=self.session)
            self.emitted += len(rows)
        return envelopes


class UnitOfWork:
    """Commits a service's writes and their outbox rows in one transaction."""

    def __init__(
        self,
        client: AsyncMongoClient[Any],
        db: AsyncDatabase[Any],
        settings: ServiceSettings,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self.client = client
        self.db = db
        self.settings = settings
        self._on_commit = on_commit
        self._caches: dict[str, TenantCache[Any]] = {}
        self._sessions = TransactionSessions(client, settings.mongo_transactions_in_flight)
        """Transactions of this process open at once, each on one of as many kept sessions:
        the embedded server runs one transaction statement at a time and checks every
        session that ever ran a transaction at each one, so more at once only queue there,
        and more sessions slow every later statement (see :mod:`crm_shared.mongo.sessions`)."""

    async def close(self) -> None:
        """End the sessions kept for transactions (before the client closes)."""
        await self._sessions.close()

    def tenant_cache(self, name: str, load: Callable[[str], Awaitable[T]]) -> TenantCache[T]:
        """The service's per-tenant cache ``name``, made with ``load`` on first use (entries
        live ``cache_ttl_s``; invalidate a tenant's once a change to it has committed).
        Use cases and event handlers reach the same caches (``rt.uow``, ``tx.uow``)."""
        cache = self._caches.get(name)
        if cache is None:
            cache = self._caches[name] = TenantCache(load, ttl_s=self.settings.cache_ttl_s)
        return cast(TenantCache[T], cache)

    async def run(
        self,
        work: Callable[[Tx], Awaitable[T]],
        *,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> T:
        """Run ``work`` in one transaction (retried on transient conflicts) and commit; then
        wake the relay if it wrote events, call its commit hooks and await its follow-ups
        (``Tx.then``)."""

        async def in_session(session: AsyncClientSession) -> tuple[T, Tx]:
            tx = Tx(session, self, correlation_id=correlation_id, causation_id=causation_id)
            result = await work(tx)
            await tx.flush()
            return result, tx

        async with self._sessions.session() as session:
            result, last = await run_in_transaction(self.client, in_session, session=session)
        if last.emitted and self._on_commit is not None:
            self._on_commit()
        for hook in last.commit_hooks:
            hook()
        for follow_up in last.follow_ups:
            await follow_up()
        return result

    async def run_without_transaction(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """Run ``work`` on a plain session: for work that is one idempotent write and emits
        nothing (``tx.emit`` raises there), where a transaction would only add cost."""
        async with self.client.start_session() as session:
            tx = Tx(session, self, transactional=False)
            result = await work(tx)
            await tx.flush()
        for hook in tx.commit_hooks:
            hook()
        for follow_up in tx.follow_ups:
            await follow_up()
        return result
