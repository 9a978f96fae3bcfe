"""The consumer runner: at-least-once delivery made effectively-once by the inbox.

* consumer group = service name; offsets committed explicitly, only after the
  handler's transaction (with its inbox key) committed;
* ``auto_offset_reset="earliest"`` so a new group misses nothing;
* infrastructure outages (database unreachable) are retried in place until they end,
  keeping per-key order; a failing handler is retried a bounded number of times with
  backoff, then dead-lettered; bad bytes, unknown types or schema mismatches are
  dead-lettered at once with the original key, bytes and error headers (a record too
  large for the producer goes without its bytes, its size in ``dlq.value.dropped``);
* events of catalogue types this service has no handler for are skipped;
* a broker restart leaves an aiokafka consumer wedged, so after repeated errors, a
  fetch or commit that does not return, or its topics gone from the broker, the runner
  throws the consumer away and builds a fresh one (creating its topics again first);
* topics are subscribed by an exact-name pattern: a subscription by name would let the
  broker auto-create a topic it lost with its own partition count;
* ``stop()`` stops fetching, lets the batch in hand finish, commits, and leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import (
    CommitFailedError,
    IllegalStateError,
    KafkaError,
    MessageSizeTooLargeError,
)
from opentelemetry.trace import Link, SpanKind, get_current_span
from pydantic import ValidationError
from pymongo.errors import AutoReconnect, ConnectionFailure, ServerSelectionTimeoutError

from crm_shared.events.catalogue import EventData, is_known_type, lookup
from crm_shared.events.envelope import CloudEvent, EnvelopeError, parse_envelope
from crm_shared.inbox import AlreadyApplied, record_all, record_once
from crm_shared.kafka.lag import partition_lag
from crm_shared.kafka.pacing import FetchPacer
from crm_shared.kafka.producer import EventProducer
from crm_shared.kafka.topics import ensure_service_topics
from crm_shared.settings import ServiceSettings
from crm_shared.telemetry import context_from_traceparent, traceparent_from_headers, tracer
from crm_shared.uow import Tx, UnitOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")
Handler = Callable[[CloudEvent, Any, Tx], Awaitable[None]]
"""``handler(envelope, data_model, tx)``: apply the event using ``tx.session`` only."""
PlainIf = Callable[[UnitOfWork, CloudEvent], Awaitable[bool]]
"""``plain_if(uow, envelope)``: whether this event may be applied as an idempotent one."""

_INFRA_ERRORS = (ConnectionFailure, AutoReconnect, ServerSelectionTimeoutError)
_MAX_BACKOFF_S = 5.0
_REBUILD_AFTER_ERRORS = 3
_WEDGED_AFTER_S = 10.0
"""A fetch or commit taking longer than this means the consumer is wedged (broker gone or
restarted): rebuild it. Redelivery after a lost commit is what the inbox is for."""


@dataclass(frozen=True)
class ConsumerSpec:
    """What one consumer group of a service listens to and how it handles each type."""

    group: str
    topics: Sequence[str]
    handlers: Mapping[str, Handler]
    idempotent: frozenset[str] = frozenset()
    """Event types whose handlers are naturally idempotent (a redelivery writes the same
    values again) and emit nothing: applied without a transaction or an inbox key."""
    plain_if: PlainIf | None = None
    """Decides event by event whether an event is applied as an ``idempotent`` one, for a
    group whose handler is idempotent unless tenant state makes it do more (campaigns: a
    contact event no automation rule of its tenant wants)."""
    inbox: bool = True
    """Record each event's inbox key; False only for handlers whose writes are keyed by the
    event already (a redelivery rewrites nothing), so a batch that writes nothing costs
    nothing."""
    partition_concurrency: int | None = None
    """Overrides ``consumer_partition_concurrency`` for this group (0: every partition of
    a fetch at once), for a latency-bound group whose transactions are short."""


@dataclass(frozen=True)
class _Delivery:
    """A decoded record and the handler it goes to."""

    record: ConsumerRecord[bytes, bytes]
    envelope: CloudEvent
    data: EventData
    handler: Handler


class _Revocations(ConsumerRebalanceListener):  # type: ignore[misc]
    """Counts the times a consumer's partitions were revoked (a rebalance)."""

    def __init__(self) -> None:
        self.count = 0

    async def on_partitions_revoked(self, revoked: Any) -> None:
        self.count += 1

    async def on_partitions_assigned(self, assigned: Any) -> None:
        return None


class DeadLetter(Exception):
    """A message that can never succeed; carries the reason for the DLQ headers."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass
class ConsumerStats:
    """Counters exposed for health and metrics."""

    handled: int = 0
    skipped: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    retries: int = 0
    batches: int = 0
    """Transactions that applied several records at once."""
    rebuilds: int = 0


class ConsumerRunner:
    """Runs one consumer group until stopped."""

    def __init__(
        self,
        spec: ConsumerSpec,
        *,
        settings: ServiceSettings,
        uow: UnitOfWork,
        dlq_producer: EventProducer,
    ) -> None:
        self.spec = spec
        self._settings = settings
        self._uow = uow
        self._dlq = dlq_producer
        self._dlq_topic = settings.dlq_topic(spec.group)
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.stats = ConsumerStats()
        self.assigned: set[TopicPartition] = set()
        self.lag: dict[TopicPartition, int] = {}
        """Records of each assigned partition not handled yet (see ``partition_lag``),
        measured after each fetch and after each commit."""
        self.committed: dict[TopicPartition, int] = {}
        """The next offset of each partition this runner committed (what it has handled)."""
        self._revocations = _Revocations()
        self._pacer = FetchPacer(settings)

    def start(self) -> None:
        """Start consuming in a background task."""
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.spec.group}")

    async def stop(self) -> None:
        """Finish the batch in hand, commit, and stop."""
        self._stopping.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=20)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        await self._dlq.stop()

    def _new_consumer(self) -> AIOKafkaConsumer:
        s = self._settings
        self._pacer = FetchPacer(s)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=s.kafka_bootstrap,
            group_id=s.group_id(self.spec.group),
            client_id=f"crm-{s.service_name}-{self.spec.group}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=s.kafka_session_timeout_ms,
            heartbeat_interval_ms=s.kafka_heartbeat_interval_ms,
            fetch_max_wait_ms=self._pacer.initial_wait_ms,
            max_poll_records=500,
            metadata_max_age_ms=30_000,
        )
        self._revocations = _Revocations()
        consumer.subscribe(
            pattern="^(" + "|".join(map(re.escape, self.spec.topics)) + ")$",
            listener=self._revocations,
        )
        return consumer

    async def _run(self) -> None:
        backoff = 0.1
        while not self._stopping.is_set():
            consumer: AIOKafkaConsumer | None = None
            try:
                await ensure_service_topics(
                    self._settings,
                    dict.fromkeys(
                        [*self.spec.topics, self._dlq_topic], self._settings.kafka_partitions
                    ),
                )
                if not self._dlq.started:
                    await self._dlq.start()
                consumer = self._new_consumer()
                await consumer.start()
                backoff = 0.1
                await self._consume(consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consumer %s: %s; rebuilding in %.1fs", self.spec.group, exc, backoff)
                self.stats.rebuilds += 1
                with contextlib.suppress(Exception):
                    await self._dlq.stop()
                await self._sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_S)
            finally:
                if consumer is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(consumer.stop(), timeout=5)

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        errors = 0
        subscribed = False
        while not self._stopping.is_set():
            revocations = self._revocations.count
            try:
                batches = await asyncio.wait_for(consumer.getmany(timeout_ms=500), _WEDGED_AFTER_S)
                self._pacer.after_poll(consumer, got_records=bool(batches))
                self.assigned = set(consumer.assignment())
                self.lag = await partition_lag(consumer, batches)
                if lost := set(self.spec.topics) - consumer.subscription():
                    if subscribed:  # the broker lost them (restarted empty): create them again
                        raise RuntimeError(f"topics {sorted(lost)} are gone from the broker")
                else:
                    subscribed = True
            except KafkaError as exc:
                errors += 1
                if errors >= _REBUILD_AFTER_ERRORS:
                    raise
                log.warning("consumer %s fetch error: %s", self.spec.group, exc)
                await self._sleep(0.2 * errors)
                continue
            errors = 0
            if not batches:
                continue
            done = await self._handle_batches(list(batches.values()))
            offsets = {tp: last + 1 for tp, last in zip(batches, done, strict=True) if last >= 0}
            if offsets and self._revocations.count != revocations:
                # the partitions were revoked meanwhile and may be assigned again at once; on
                # a broker that restarted empty the offsets of records read before would even
                # skip its new records. Their owner re-reads from the last commit instead.
                log.warning("consumer %s: commit skipped after a rebalance", self.spec.group)
            elif offsets:
                try:
                    await asyncio.wait_for(consumer.commit(offsets), _WEDGED_AFTER_S)
                    self.committed.update(offsets)
                except (CommitFailedError, IllegalStateError) as exc:
                    # partitions moved in a rebalance: their new owner re-reads from the
                    # last commit, and the inbox makes the repeats harmless
                    log.warning(
                        "consumer %s: commit skipped after rebalance: %s", self.spec.group, exc
                    )
            self.lag = await partition_lag(consumer, {})

    async def _handle_batches(self, batches: list[list[ConsumerRecord[bytes, bytes]]]) -> list[int]:
        """Handle each partition's records in order, ``consumer_partition_concurrency``
        partitions at a time (0: all at once); returns each one's last offset handled."""
        width = self.spec.partition_concurrency
        if width is None:
            width = self._settings.consumer_partition_concurrency
        width = width or len(batches)
        done: list[int] = []
        for first in range(0, len(batches), width):
            chunk = batches[first : first + width]
            done += await asyncio.gather(*(self._handle_partition(r) for r in chunk))
        return done

    async def _handle_partition(self, records: list[ConsumerRecord[bytes, bytes]]) -> int:
        """Handle one partition's records in order; returns the last offset handled.

        Consecutive records that need a transaction are applied ``consumer_batch_size`` at
        a time in one transaction (what a backlog costs the database grows with the number
        of transactions, not only of writes); skipped, dead-lettered and idempotent records
        end a run."""
        last = -1
        run: list[_Delivery] = []

        async def flush() -> None:
            nonlocal last
            if run:
                await self._apply_run(run)
                last = run[-1].record.offset
                run.clear()

        for record in records:
            if self._stopping.is_set() and (last >= 0 or run):
                break
            delivery = await self._prepare(record)
            if delivery is not None and not await self._plain(delivery.envelope):
                run.append(delivery)
                if len(run) >= self._settings.consumer_batch_size:
                    await flush()
                continue
            await flush()
            if delivery is not None:
                await self._apply_with_retries(delivery)
            last = record.offset
        await flush()
        return last

    async def _plain(self, envelope: CloudEvent) -> bool:
        """Whether ``envelope`` is applied without a transaction or an inbox key."""
        if envelope.type in self.spec.idempotent:
            return True
        plain_if = self.spec.plain_if
        return plain_if is not None and await plain_if(self._uow, envelope)

    async def _prepare(self, record: ConsumerRecord[bytes, bytes]) -> _Delivery | None:
        """Decode ``record``; None when it was skipped (no handler) or dead-lettered."""
        try:
            envelope, data, handler = self._decode(record)
        except DeadLetter as dead:
            with self._span(record):
                await self._dead_letter(record, dead, attempts=0)
            return None
        if handler is None:
            self.stats.skipped += 1
            return None
        return _Delivery(record, envelope, data, handler)

    @contextlib.contextmanager
    def _span(self, record: ConsumerRecord[bytes, bytes]) -> Iterator[None]:
        """The consumer span of one record, child of the producer's ``traceparent``."""
        parent = context_from_traceparent(traceparent_from_headers(list(record.headers or ())))
        parent_span = get_current_span(parent).get_span_context()
        with tracer.start_as_current_span(
            f"{record.topic} process",
            context=parent,
            kind=SpanKind.CONSUMER,
            links=[Link(parent_span)] if parent_span.is_valid else None,
            attributes={
                "messaging.system": "kafka",
                "messaging.consumer.group.name": self.spec.group,
                "messaging.destination.name": record.topic,
                "messaging.destination.partition.id": str(record.partition),
                "messaging.kafka.offset": record.offset,
            },
        ):
            yield

    def _decode(
        self, record: ConsumerRecord[bytes, bytes]
    ) -> tuple[CloudEvent, EventData, Handler | None]:
        try:
            envelope = parse_envelope(record.value)
            version = envelope.schema_version
        except (EnvelopeError, ValueError) as exc:
            raise DeadLetter("invalid-envelope", str(exc)) from exc
        model = lookup(envelope.type, version)
        if model is None:
            if is_known_type(envelope.type):
                raise DeadLetter("unsupported-version", f"{envelope.type} v{version}")
            raise DeadLetter("unknown-type", envelope.type)
        try:
            data = model.model_validate(envelope.data)
        except ValidationError as exc:
            raise DeadLetter("schema-mismatch", str(exc.errors(include_url=False))) from exc
        return envelope, data, self.spec.handlers.get(envelope.type)

    async def _apply(self, delivery: _Delivery, tx: Tx, *, record: bool = True) -> bool:
        """Run the handler inside ``tx`` and, if it touched the transaction, record the
        inbox key (unless the caller records a batch's keys); returns whether it touched it.

        A handler that wrote nothing needs no key (applied again it writes nothing again),
        which spares events most groups only look at an inbox insert and a commit each; a
        redelivery of one that wrote fails the key's insert, which rolls its writes back."""
        envelope = delivery.envelope
        tx.caused_by(correlation_id=envelope.correlationid or envelope.id, causation_id=envelope.id)
        with self._span(delivery.record):
            tx.touched = False
            await delivery.handler(envelope, delivery.data, tx)
            touched = tx.touched
            if touched and record and self.spec.inbox:
                await record_once(
                    tx, group=self.spec.group, event_id=envelope.id, event_type=envelope.type
                )
        return touched

    async def _apply_run(self, run: list[_Delivery]) -> None:
        """Apply ``run`` in one transaction; if any of it fails (a duplicate, a conflict, a
        handler error), apply each record on its own, with its own retries and dead letter."""
        if len(run) > 1:

            async def work(tx: Tx) -> None:
                touched = [d.envelope for d in run if await self._apply(d, tx, record=False)]
                if self.spec.inbox and touched:
                    await record_all(tx, group=self.spec.group, envelopes=touched)

            try:
                await self._while_database_unavailable(lambda: self._uow.run(work))
                self.stats.handled += len(run)
                self.stats.batches += 1
                return
            except _INFRA_ERRORS:
                raise
            except Exception as exc:
                log.info("consumer %s: batch of %d split: %r", self.spec.group, len(run), exc)
        for delivery in run:
            await self._apply_with_retries(delivery)

    async def _while_database_unavailable(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run ``attempt`` until it does not fail for want of the database (or we stop)."""
        while True:
            try:
                return await attempt()
            except _INFRA_ERRORS as exc:
                if self._stopping.is_set():
                    raise
                log.warning(
                    "consumer %s: database unavailable (%s); retrying", self.spec.group, exc
                )
                self.stats.retries += 1
                await self._sleep(self._settings.consumer_retry_backoff_ms / 1000)

    async def _apply_with_retries(self, delivery: _Delivery) -> None:
        """Apply one record: handler failures are retried with backoff, then dead-lettered."""
        envelope = delivery.envelope
        attempts = 0
        backoff = self._settings.consumer_retry_backoff_ms / 1000

        async def plain(tx: Tx) -> None:
            with self._span(delivery.record):
                await delivery.handler(envelope, delivery.data, tx)

        async def attempt() -> None:
            try:
                if await self._plain(envelope):
                    await self._uow.run_without_transaction(plain)
                else:
                    await self._uow.run(lambda tx: self._apply(delivery, tx))
            except AlreadyApplied as applied:
                if applied.mend is not None:
                    await applied.mend()
                raise

        while True:
            try:
                await self._while_database_unavailable(attempt)
                self.stats.handled += 1
                return
            except AlreadyApplied:
                self.stats.duplicates += 1
                return
            except _INFRA_ERRORS:
                raise
            except Exception as exc:
                attempts += 1
                if attempts >= self._settings.consumer_max_attempts:
                    get_current_span().record_exception(exc)
                    await self._dead_letter(
                        delivery.record, DeadLetter("handler-failed", repr(exc)), attempts=attempts
                    )
                    return
                log.warning(
                    "consumer %s: handler failed (attempt %d): %r",
                    self.spec.group,
                    attempts,
                    exc,
                    extra={"event_id": envelope.id, "event_type": envelope.type},
                )
            self.stats.retries += 1
            await self._sleep(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF_S)

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], dead: DeadLetter, *, attempts: int
    ) -> None:
        headers = [(k, v) for k, v in (record.headers or ()) if not k.startswith("dlq.")]
        headers += [
            ("dlq.reason", dead.reason.encode()),
            ("dlq.error", dead.detail[:2000].encode("utf-8", "replace")),
            ("dlq.group", self.spec.group.encode()),
            ("dlq.original.topic", record.topic.encode()),
            ("dlq.original.partition", str(record.partition).encode()),
            ("dlq.original.offset", str(record.offset).encode()),
            ("dlq.attempts", str(attempts).encode()),
        ]
        try:
            await self._dlq.send_raw(
                self._dlq_topic, key=record.key, value=record.value, headers=headers
            )
        except MessageSizeTooLargeError:
            # too big to copy (it would block the partition for good): keep the rest
            dropped = ("dlq.value.dropped", str(len(record.value or b"")).encode())
            await self._dlq.send_raw(
                self._dlq_topic, key=record.key, value=b"", headers=[*headers, dropped]
            )
        self.stats.dead_lettered += 1
        log.error(
            "dead-lettered %s[%d]@%d: %s",
            record.topic,
            record.partition,
            record.offset,
            dead,
            extra={"topic": record.topic, "partition": record.partition, "offset": record.offset},
        )

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
