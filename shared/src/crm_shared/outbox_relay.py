"""The outbox relay: publishes committed outbox rows in order, then deletes them.

One relay per service instance runs; only the holder of the lease document publishes,
so with several instances exactly one publishes at a time and a dead holder is
replaced once its lease expires. Commits of this process wake the relay at once; with
several instances, ``outbox_watch`` wakes it by a change stream on the outbox for commits
of the others, and a slow scan (``outbox_poll_interval_s``) is the safety net. A row
holds one event or a transaction's batch (:mod:`crm_shared.outbox_rows`). Rows are
sent with ``acks=all`` and deleted only after the broker acknowledged them; a re-send
after a crash reuses the row's event id, which consumers' inboxes deduplicate. Sent rows
are deleted, keeping the hot collection small (large collections make the embedded
server's scans slow).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from datetime import timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, PyMongoError

from crm_shared.ids import utcnow
from crm_shared.kafka.producer import EventProducer, OutgoingRecord
from crm_shared.kafka.topics import TopicKeeper
from crm_shared.outbox_rows import unpack
from crm_shared.settings import ServiceSettings
from crm_shared.uow import OUTBOX_COLLECTION

log = logging.getLogger(__name__)
LEASE_COLLECTION = "leases"
_MAX_BACKOFF_S = 5.0


class OutboxRelay:
    """Background task moving outbox rows to Kafka; call :meth:`wake` after commits."""

    def __init__(
        self,
        db: AsyncDatabase[Any],
        producer: EventProducer,
        settings: ServiceSettings,
        *,
        topics: dict[str, int],
        instance_id: str | None = None,
    ) -> None:
        self._db = db
        self._producer = producer
        self._settings = settings
        self._topics = TopicKeeper(settings, topics)
        self.instance_id = instance_id or f"{socket.gethostname()}:{id(self):x}"
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self.is_leader = False
        self.published = 0
        self.last_error: str | None = None

    def wake(self) -> None:
        """Signal that new rows were committed (called right after each commit)."""
        self._wake.set()

    def start(self) -> None:
        """Start the background loop."""
        self._task = asyncio.create_task(self._run(), name="outbox-relay")
        if self._settings.outbox_watch:
            self._watch_task = asyncio.create_task(self._watch(), name="outbox-watch")

    async def stop(self) -> None:
        """Stop after the batch in flight; give the lease up so another instance takes over."""
        self._stopping = True
        self._wake.set()
        if self._watch_task is not None:
            self._watch_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch_task
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=15)
        if self.is_leader:
            with contextlib.suppress(PyMongoError):
                await self._db[LEASE_COLLECTION].delete_one(
                    {"_id": "outbox-relay", "owner": self.instance_id}
                )
        await self._producer.stop()
        await self._topics.close()

    async def backlog(self, *, limit: int = 0) -> tuple[int, float]:
        """Unsent rows (counted up to ``limit`` if given) and the age in seconds of the
        oldest one."""
        coll = self._db[OUTBOX_COLLECTION]
        count = await (coll.count_documents({}, limit=limit) if limit else coll.count_documents({}))
        oldest = await coll.find_one({}, {"created_at": 1}, sort=[("_id", 1)])
        age = (utcnow() - oldest["created_at"]).total_seconds() if oldest else 0.0
        return count, age

    async def _acquire_lease(self) -> bool:
        now = utcnow()
        lease_s = self._settings.outbox_lease_s
        try:
            await self._db[LEASE_COLLECTION].find_one_and_update(
                {
                    "_id": "outbox-relay",
                    "$or": [{"owner": self.instance_id}, {"expires_at": {"$lt": now}}],
                },
                {
                    "$set": {
                        "owner": self.instance_id,
                        "expires_at": now + timedelta(seconds=lease_s),
                    }
                },
                upsert=True,
            )
        except DuplicateKeyError:
            return False
        return True

    async def _ensure_producer(self) -> None:
        if not self._producer.started:
            await self._producer.start()

    async def _publish_batch(self) -> bool:
        """Publish the oldest rows' records (about ``outbox_batch_size`` of them), then
        delete those rows; whether the outbox is drained."""
        limit = self._settings.outbox_batch_size
        rows = await self._db[OUTBOX_COLLECTION].find({}).sort("_id", 1).limit(limit).to_list()
        taken: list[Any] = []
        records: list[OutgoingRecord] = []
        for row in rows:
            found = unpack(row)
            if taken and len(records) + len(found) > limit:
                break
            taken.append(row["_id"])
            records.extend(_outgoing(record) for record in found)
        if not taken:
            return True
        await self._topics.ensure()  # before the producer's first metadata request for them
        await self._producer.publish(records)
        await self._db[OUTBOX_COLLECTION].delete_many({"_id": {"$in": taken}})
        self.published += len(records)
        return len(taken) == len(rows) < limit

    async def _run(self) -> None:
        backoff = 0.1
        lease_renewed_at = 0.0
        loop = asyncio.get_running_loop()
        while not self._stopping:
            try:
                if loop.time() - lease_renewed_at > self._settings.outbox_lease_s / 3:
                    self.is_leader = await self._acquire_lease()
                    lease_renewed_at = loop.time()
                if not self.is_leader:
                    await self._idle(self._settings.outbox_lease_s / 3)
                    continue
                await self._ensure_producer()
                drained = await self._publish_batch()
                self.last_error = None
                backoff = 0.1
                if drained:
                    # drained: a commit meanwhile has set the wake-up, so no re-read is needed
                    await self._idle(self._settings.outbox_poll_interval_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database down: keep rows, retry later
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("outbox relay: %s; retrying in %.1fs", self.last_error, backoff)
                with contextlib.suppress(Exception):
                    await self._producer.stop()
                await self._idle(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_S)

    async def _watch(self) -> None:
        """Wake the loop whenever any instance inserts outbox rows (a change stream)."""
        backoff = 1.0
        while not self._stopping:
            try:
                pipeline = [{"$match": {"operationType": "insert"}}]
                async with await self._db[OUTBOX_COLLECTION].watch(pipeline) as stream:
                    backoff = 1.0
                    async for _change in stream:
                        self._wake.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # server down or no change streams: the scan remains
                log.warning("outbox watch: %s; retrying in %.0fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    async def _idle(self, seconds: float) -> None:
        """Wait for a wake-up or ``seconds``, whichever comes first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()


def _outgoing(record: dict[str, Any]) -> OutgoingRecord:
    return OutgoingRecord(
        topic=record["topic"],
        key=record["key"],
        value=bytes(record["value"]),
        headers=[(k, bytes(v)) for k, v in record["headers"]],
        event_type=record["type"],
        event_id=record["_id"],
        traceparent=record.get("traceparent"),
    )
