"""A durable job queue in one MongoDB collection, for work done outside a transaction.

Sending an e-mail or POSTing a webhook cannot be part of a database transaction, so the
consumer that decides to do it only *enqueues* a job (inside its own transaction, next
to its inbox key); a :class:`Dispatcher` then claims due jobs in batches, runs them
with bounded concurrency, and settles their outcomes in bulk. Several service
instances may dispatch at once: a claim is a conditional update, so each job is held
by one instance at a time, until its claim expires.

A job is a document: ``_id`` (the idempotency key: enqueueing it again is a no-op),
``tenant_id``, an optional ``group`` and any payload fields. Jobs of one group run
strictly one at a time, in enqueue order: only the group's head is ``queued``, the rest
wait (``waiting``) and the next one is promoted when the head finishes (``done`` or
``failed``). Each group has a counter document in ``<collection>_groups`` (``seq``: last
number handed out, ``finished``: last number finished); enqueue and finish both write
it, so concurrent transactions touching one group are serialised by write conflicts.

Lifecycle: ``waiting -> queued -> claimed -> done | failed``, ``claimed -> queued``
(retry later, attempts counted), ``failed -> queued`` (:meth:`DeliveryQueue.reopen`).
A claimed job's ``due_at`` is its claim expiry, so one index ``(status, due_at)``
serves claims, the next due time and expired claims alike.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
import random
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal
from weakref import WeakKeyDictionary

from pymongo import ASCENDING, DESCENDING, DeleteOne, ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.ids import new_event_id, utcnow
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.uow import Tx

log = logging.getLogger(__name__)

Document = dict[str, Any]
Status = Literal["waiting", "queued", "claimed", "done", "failed"]
UNFINISHED: tuple[Status, ...] = ("waiting", "queued", "claimed")
_RESERVED = frozenset(
    {"status", "due_at", "attempts", "seq", "claim", "claimed_by", "created_at", "updated_at"}
)
_MAX_BACKOFF_S = 5.0
_CLAIM_ROUNDS = 3


def queue_indexes(collection: str) -> list[CollectionIndexes]:
    """Indexes of a queue collection and its group counters.

    ``(status, due_at)`` is the dispatchers' index (claims span tenants, like the
    outbox); the API lists of a queue's records use the tenant-first ones.
    """
    return [
        CollectionIndexes(
            collection,
            [
                index([("status", ASCENDING), ("due_at", ASCENDING)], name="queue_due"),
                # not partial: the embedded server never plans a query on a partial index
                index(
                    [("tenant_id", ASCENDING), ("group", ASCENDING), ("seq", ASCENDING)],
                    name="queue_group_seq",
                ),
                index(
                    [("tenant_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
                    name="tenant_created",
                ),
                index(
                    [
                        ("tenant_id", ASCENDING),
                        ("status", ASCENDING),
                        ("created_at", DESCENDING),
                        ("_id", DESCENDING),
                    ],
                    name="tenant_status_created",
                ),
            ],
        )
    ]


@dataclass(frozen=True)
class Job:
    """A claimed job: its document as claimed (``attempts`` already counts this claim)."""

    doc: Document

    @property
    def id(self) -> str:
        """The job id (idempotency key)."""
        return str(self.doc["_id"])

    @property
    def tenant_id(self) -> str:
        """The tenant the job belongs to."""
        return str(self.doc["tenant_id"])

    @property
    def attempts(self) -> int:
        """How many times the job was claimed, this claim included."""
        return int(self.doc.get("attempts", 0))

    @property
    def claim(self) -> str:
        """The token of the claim the job is held under."""
        return str(self.doc.get("claim", ""))


@dataclass(frozen=True)
class Outcome:
    """What became of a claimed job; build with :meth:`done`, :meth:`failed`, :meth:`retry`."""

    job: Job
    status: Literal["done", "failed", "queued"]
    fields: Mapping[str, Any] = field(default_factory=dict)
    due_at: datetime | None = None

    @classmethod
    def done(cls, job: Job, **fields: Any) -> Outcome:
        """The job succeeded; ``fields`` are stored on it."""
        return cls(job, "done", fields)

    @classmethod
    def failed(cls, job: Job, **fields: Any) -> Outcome:
        """The job failed for good; ``fields`` (the error) are stored on it."""
        return cls(job, "failed", fields)

    @classmethod
    def retry(cls, job: Job, *, due_at: datetime, **fields: Any) -> Outcome:
        """Queue the job again from ``due_at`` (it stays its group's head)."""
        return cls(job, "queued", fields, due_at)

    @property
    def final(self) -> bool:
        """Whether the job is finished (done or failed) rather than retried."""
        return self.status != "queued"


def backoff_delay(attempts: int, *, base_s: float, cap_s: float) -> float:
    """Exponential backoff with full jitter: a random delay up to ``base * 2^(attempts-1)``
    (at most ``cap_s``), at least a tenth of it so retries never bunch up at zero."""
    ceiling = min(cap_s, base_s * 2 ** max(0, attempts - 1))
    return random.uniform(ceiling / 10, ceiling)


class DeliveryQueue:
    """Enqueue, claim, settle and replay jobs of one collection."""

    def __init__(
        self,
        db: AsyncDatabase[Document],
        collection: str,
        *,
        claim_timeout_s: float = 300.0,
        instance_id: str | None = None,
    ) -> None:
        self.jobs = db[collection]
        self.groups = db[f"{collection}_groups"]
        self.claim_timeout = timedelta(seconds=claim_timeout_s)
        self.instance_id = instance_id or f"{socket.gethostname()}:{id(self):x}"

    # --- enqueue ------------------------------------------------------------------------

    async def enqueue(
        self, session: AsyncClientSession, jobs: Sequence[Mapping[str, Any]]
    ) -> list[str]:
        """Insert ``jobs`` inside the caller's transaction; returns the ids that were new
        (offer them to the dispatcher once the transaction committed).

        A job whose ``_id`` exists already (a redelivery, or another tenant's id) is
        ignored. ``due_at`` may be given to start a job later (default: now).
        """
        now = utcnow()
        docs: dict[str, Document] = {}
        for job in jobs:
            doc = _new_job(job, now)
            docs.setdefault(doc["_id"], doc)
        if not docs:
            return []
        result = await self.jobs.bulk_write(
            [
                UpdateOne({"_id": _id}, {"$setOnInsert": _without_id(doc)}, upsert=True)
                for _id, doc in docs.items()
            ],
            ordered=False,
            session=session,
        )
        upserted = {str(_id) for _id in (result.upserted_ids or {}).values()}
        new_ids = [_id for _id in docs if _id in upserted]
        skipped = len(docs) - len(new_ids)
        if skipped:
            log.info("queue %s: %d duplicate job(s) ignored", self.jobs.name, skipped)
        grouped = [docs[_id] for _id in new_ids if "group" in docs[_id]]
        if grouped:
            await self._sequence(session, grouped, now)
        return new_ids

    async def _sequence(
        self, session: AsyncClientSession, grouped: list[Document], now: datetime
    ) -> None:
        """Number new grouped jobs within their groups; queue those that are heads."""
        by_group: dict[str, list[Document]] = {}
        for doc in grouped:
            by_group.setdefault(_group_key(doc), []).append(doc)
        await self.groups.bulk_write(
            [
                UpdateOne(
                    {"_id": key},
                    {"$inc": {"seq": len(members)}, "$setOnInsert": {"finished": 0}},
                    upsert=True,
                )
                for key, members in by_group.items()
            ],
            ordered=False,
            session=session,
        )
        counters = {
            doc["_id"]: doc
            async for doc in self.groups.find({"_id": {"$in": list(by_group)}}, session=session)
        }
        updates = []
        for key, members in by_group.items():
            counter = counters[key]
            first = int(counter["seq"]) - len(members) + 1
            for offset, doc in enumerate(members):
                seq = first + offset
                head = seq - 1 <= int(counter["finished"])
                status = "queued" if head else "waiting"
                updates.append(
                    UpdateOne(
                        {"_id": doc["_id"]},
                        {"$set": {"seq": seq, "status": status, "due_at": doc["due_at"]}},
                    )
                )
        await self.jobs.bulk_write(updates, ordered=False, session=session)

    # --- claim --------------------------------------------------------------------------

    async def claim(self, limit: int) -> list[Job]:
        """Claim up to ``limit`` due jobs found by scanning the queue.

        The embedded server reads every match of a query before applying its limit, so a
        scan costs in proportion to the due backlog: the :class:`Dispatcher` scans only
        as a fallback and claims the jobs it was offered (:meth:`claim_ids`) first.
        """
        claimed: list[Job] = []
        for _ in range(_CLAIM_ROUNDS):
            wanted = limit - len(claimed)
            candidates = (
                await self.jobs.find({"status": "queued", "due_at": {"$lte": utcnow()}})
                .limit(wanted)
                .to_list()
            )
            claimed += await self._claim(candidates)
            if len(candidates) < wanted or len(claimed) == limit:
                break  # drained, or done; otherwise others won some: read on
        return claimed

    async def claim_ids(self, ids: Sequence[str]) -> list[Job]:
        """Claim those of ``ids`` that are due and not taken (cost grows with ``ids`` only)."""
        return await self._claim(None, ids) if ids else []

    async def _claim(
        self, candidates: list[Document] | None, ids: Sequence[str] | None = None
    ) -> list[Job]:
        """Mark due queued jobs (``candidates`` read just before, or ``ids``) claimed under a
        new token; returns what this claim won (two round trips at most)."""
        if candidates is not None:
            ids = [doc["_id"] for doc in candidates]
        if not ids:
            return []
        now = utcnow()
        token = new_event_id()
        claim_set = {
            "status": "claimed",
            "claim": token,
            "claimed_by": self.instance_id,
            "due_at": now + self.claim_timeout,
            "updated_at": now,
        }
        result = await self.jobs.update_many(
            {"_id": {"$in": list(ids)}, "status": "queued", "due_at": {"$lte": now}},
            {"$set": claim_set, "$inc": {"attempts": 1}},
        )
        if candidates is not None and result.modified_count == len(ids):
            return [
                Job({**doc, **claim_set, "attempts": int(doc.get("attempts", 0)) + 1})
                for doc in candidates
            ]
        if result.modified_count == 0:
            return []
        # read back exactly what this claim holds (others may have won some)
        held = await self.jobs.find({"_id": {"$in": list(ids)}, "claim": token}).to_list()
        return [Job(doc) for doc in held]

    async def extend(self, jobs: Iterable[Job]) -> None:
        """Push the claim expiry of jobs still in hand (the holder is alive)."""
        ids = [job.id for job in jobs]
        if ids:
            await self.jobs.update_many(
                {"_id": {"$in": ids}, "status": "claimed", "claimed_by": self.instance_id},
                {"$set": {"due_at": utcnow() + self.claim_timeout}},
            )

    async def next_due(self) -> datetime | None:
        """When the earliest queued job falls due (None: nothing queued)."""
        doc = await self.jobs.find_one(
            {"status": "queued"}, {"due_at": 1}, sort=[("status", 1), ("due_at", 1)]
        )
        return doc["due_at"] if doc else None

    async def expired_claims(self, limit: int = 200) -> list[Job]:
        """Claimed jobs whose holder stopped renewing (it died): the caller decides whether
        to retry them (:meth:`Outcome.retry`) or fail them (:meth:`Outcome.failed`)."""
        docs = await (
            self.jobs.find({"status": "claimed", "due_at": {"$lt": utcnow()}})
            .limit(limit)
            .to_list()
        )
        return [Job(doc) for doc in docs]

    # --- settle -------------------------------------------------------------------------

    async def finish(
        self, outcomes: Sequence[Outcome], *, session: AsyncClientSession | None = None
    ) -> list[Outcome]:
        """Apply ``outcomes`` in bulk; returns those applied (a job whose claim was lost
        meanwhile is left alone). Finishing a grouped job promotes the next of its group.

        Pass the caller's ``session`` to record the outcomes in its transaction (with the
        events they cause); without one the queue runs its own.
        """
        if not outcomes:
            return []
        if session is None:
            async with self.jobs.database.client.start_session() as own:
                return await own.with_transaction(lambda s: self._finish(outcomes, s))
        return await self._finish(outcomes, session)

    async def _finish(
        self, outcomes: Sequence[Outcome], session: AsyncClientSession
    ) -> list[Outcome]:
        now = utcnow()
        writes = []
        for outcome in outcomes:
            set_: Document = {**outcome.fields, "status": outcome.status, "updated_at": now}
            set_["due_at"] = outcome.due_at or now
            if outcome.final:
                set_["finished_at"] = now
            writes.append(
                UpdateOne(
                    {"_id": outcome.job.id, "status": "claimed", "claim": outcome.job.claim},
                    {"$set": set_},
                )
            )
        result = await self.jobs.bulk_write(writes, ordered=False, session=session)
        applied = list(outcomes)
        if result.matched_count < len(outcomes):  # some claims were lost: which ones?
            won = {
                doc["_id"]
                async for doc in self.jobs.find(
                    {
                        "_id": {"$in": [o.job.id for o in outcomes]},
                        "updated_at": now,
                        "claim": {"$in": list({o.job.claim for o in outcomes})},
                    },
                    {"_id": 1},
                    session=session,
                )
            }
            applied = [o for o in outcomes if o.job.id in won]
        finished = [o.job.doc for o in applied if o.final and "group" in o.job.doc]
        if finished:
            await self._promote(finished, now, session)
        return applied

    async def _promote(
        self, finished: list[Document], now: datetime, session: AsyncClientSession
    ) -> None:
        """Queue the successor of each finished grouped job, and advance its group."""
        await self.jobs.bulk_write(
            [
                UpdateOne(
                    {
                        "tenant_id": doc["tenant_id"],
                        "group": doc["group"],
                        "seq": int(doc["seq"]) + 1,
                        "status": "waiting",
                    },
                    {"$set": {"status": "queued", "due_at": now, "updated_at": now}},
                )
                for doc in finished
            ],
            ordered=False,
            session=session,
        )
        await self._advance_groups(finished, session)

    async def _advance_groups(self, finished: list[Document], session: AsyncClientSession) -> None:
        """Record each group's finished number; drop the counter of a group gone idle."""
        writes: list[UpdateOne | DeleteOne] = []
        for doc in finished:
            key, seq = _group_key(doc), int(doc["seq"])
            writes.append(DeleteOne({"_id": key, "seq": seq}))
            writes.append(UpdateOne({"_id": key}, {"$max": {"finished": seq}}))
        await self.groups.bulk_write(writes, ordered=True, session=session)

    async def reopen(
        self,
        tenant_id: str,
        job_id: str,
        *,
        fields: Mapping[str, Any] | None = None,
        statuses: Sequence[Status] = ("failed",),
        session: AsyncClientSession | None = None,
    ) -> Document | None:
        """Queue a finished job (of ``statuses``: failed by default) again now, with fresh
        attempts (a manual replay); returns the job, or None when this tenant has no such
        job ``job_id``. A replayed grouped job runs at once, outside its group's order (its
        successors went on already). A use case passes its unit of work's ``session``."""
        now = utcnow()
        return await self.jobs.find_one_and_update(
            {"_id": job_id, "tenant_id": tenant_id, "status": {"$in": list(statuses)}},
            {
                "$set": {
                    **(fields or {}),
                    "status": "queued",
                    "attempts": 0,
                    "due_at": now,
                    "updated_at": now,
                },
                "$unset": {"finished_at": ""},
                "$inc": {"replays": 1},
            },
            return_document=ReturnDocument.AFTER,
            session=session,
        )


def _new_job(job: Mapping[str, Any], now: datetime) -> Document:
    """The stored document of a job to enqueue (validated: id, tenant, no reserved keys)."""
    if not job.get("_id") or not job.get("tenant_id"):
        raise ValueError("a job needs _id and tenant_id")
    reserved = _RESERVED & set(job) - {"due_at"}
    if reserved:
        raise ValueError(f"job fields reserved by the queue: {sorted(reserved)}")
    doc = dict(job)
    grouped = doc.get("group") is not None
    if not grouped:
        doc.pop("group", None)
    doc.update(
        status="waiting" if grouped else "queued",
        due_at=job.get("due_at") or now,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    return doc


def _without_id(doc: Document) -> Document:
    return {k: v for k, v in doc.items() if k != "_id"}


def _group_key(doc: Mapping[str, Any]) -> str:
    return f"{doc['tenant_id']}/{doc['group']}"


class EnqueueOnCommit:
    """Buffers the jobs the handlers of one transaction queue (a consumer batch) and writes
    them in one bulk just before it commits; once committed, ``offer`` gets the new ids
    (hand them to the dispatcher: no scan, no polling delay)."""

    def __init__(self, collection: str, offer: Callable[[list[str]], None]) -> None:
        self._collection = collection
        self._offer = offer
        self._pending: WeakKeyDictionary[Tx, list[Mapping[str, Any]]] = WeakKeyDictionary()

    def add(self, tx: Tx, jobs: Iterable[Mapping[str, Any]]) -> None:
        """Queue ``jobs`` with ``tx`` (written when it commits, dropped if it rolls back)."""
        pending = self._pending.get(tx)
        if pending is None:
            pending = self._pending[tx] = []
            tx.before_commit(partial(self._write, tx, pending))
        pending.extend(jobs)

    async def _write(self, tx: Tx, jobs: list[Mapping[str, Any]]) -> None:
        ids = await DeliveryQueue(tx.db, self._collection).enqueue(tx.session, jobs)
        if ids:
            tx.after_commit(partial(self._offer, ids))


Handler = Callable[[Job], Awaitable[Outcome]]
"""Runs one claimed job and says what became of it (it should not raise: a job whose
handler raised stays claimed until its claim expires and ``on_expired`` decides)."""
Settle = Callable[[list[Outcome]], Awaitable[object]]
"""Records a batch of outcomes (default: :meth:`DeliveryQueue.finish` on its own)."""
OnExpired = Callable[[list[Job]], Awaitable[object]]
"""Decides about jobs whose claim expired (their holder died)."""


class Dispatcher:
    """Background loop: claim due jobs in batches, run them ``concurrency`` at a time,
    settle outcomes in bulk, renew claims in hand, hand expired claims to ``on_expired``.

    After a transaction that enqueued jobs commits, :meth:`offer` their ids
    (``tx.after_commit(partial(dispatcher.offer, ids))``) or at least :meth:`wake` it:
    offered jobs are claimed by id, which costs in proportion to them, whereas a scan
    of the queue costs in proportion to its whole due backlog on the embedded server.
    Scans (every ``poll_interval_s`` or until the next due job) are the fallback that
    finds retries, jobs other instances enqueued, and successors in a group. Outcomes
    are settled together: when half a batch is ready, when nothing else runs, or
    ``settle_linger_s`` after the first one.
    """

    def __init__(
        self,
        queue: DeliveryQueue,
        handler: Handler,
        *,
        concurrency: int,
        batch_size: int = 200,
        poll_interval_s: float = 5.0,
        settle_linger_s: float = 0.05,
        settle: Settle | None = None,
        on_expired: OnExpired | None = None,
        name: str = "dispatcher",
    ) -> None:
        self.queue = queue
        self._handler = handler
        self._settle = settle or queue.finish
        self._on_expired = on_expired
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._linger_s = settle_linger_s
        self._slots = asyncio.Semaphore(concurrency)
        self.name = name
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._offered: dict[str, None] = {}
        """Ids enqueued and committed by this process, to claim by id (insertion order)."""
        self._scan_now = True
        self._scanned_at = 0.0
        self._held: dict[str, Job] = {}
        """Claimed jobs not yet settled, by id (their claims are renewed)."""
        self._tasks: set[asyncio.Task[None]] = set()
        self._outcomes: list[Outcome] = []
        self._settling: asyncio.Task[None] | None = None
        self._first_outcome_at = 0.0
        self.settled: collections.Counter[str] = collections.Counter()
        """Outcomes settled so far, by status (``done``, ``failed``, ``queued``: retried)."""
        self.last_error: str | None = None

    @property
    def processed(self) -> int:
        """Outcomes settled so far."""
        return self.settled.total()

    def wake(self) -> None:
        """Signal that jobs may be due now: scan the queue at once."""
        self._scan_now = True
        self._wake.set()

    def offer(self, ids: Iterable[str]) -> None:
        """Hand over ids of jobs just enqueued (their transaction committed)."""
        self._offered.update(dict.fromkeys(ids))
        self._wake.set()

    def start(self) -> None:
        """Start the background loop."""
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Stop claiming, let jobs in hand finish and settle (within ``timeout_s``)."""
        self._stopping = True
        self._wake.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=timeout_s)
        except TimeoutError:
            log.warning("%s: stop timed out; unsettled claims will expire", self.name)
            tasks = [self._task, *self._tasks, *([self._settling] if self._settling else [])]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        backoff = 0.1
        housekeeping_every = self.queue.claim_timeout.total_seconds() / 3
        housekept_at = loop.time() - housekeeping_every  # look for expired claims at once
        while not self._stopping:
            try:
                if loop.time() - housekept_at >= housekeeping_every:
                    await self._housekeeping()
                    housekept_at = loop.time()
                if self._settling is None and self._settle_due(loop.time()):
                    self._settling = asyncio.create_task(self._settle_in_background())
                if loop.time() - self._scanned_at >= self._poll_interval_s:
                    self._scan_now = True
                wait = await self._claim_more()
                self.last_error = None
                backoff = 0.1
                if wait is not None:
                    await self._idle(wait)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database unreachable: keep jobs in hand, retry
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("%s: %s; retrying in %.1fs", self.name, self.last_error, backoff)
                await self._idle(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_S)
        await self._drain()

    async def _housekeeping(self) -> None:
        """Renew the claims in hand; hand claims that expired elsewhere to ``on_expired``."""
        await self.queue.extend(self._held.values())
        if self._on_expired is None:
            return
        expired = [job for job in await self.queue.expired_claims() if job.id not in self._held]
        if expired:
            log.warning("%s: %d expired claim(s) found", self.name, len(expired))
            await self._on_expired(expired)

    async def _claim_more(self) -> float | None:
        """Claim what fits in hand, offered jobs first, scanning when one is due; returns
        how long to idle (None: go on at once)."""
        free = self._batch_size - len(self._held)
        if free < max(1, self._batch_size // 2):
            return self._pending_wait()
        if self._offered:
            ids = list(itertools.islice(self._offered, free))
            for id_ in ids:
                del self._offered[id_]
            jobs = await self.queue.claim_ids(ids)
        elif self._scan_now:
            jobs = await self.queue.claim(free)
            self._scan_now = False
            self._scanned_at = asyncio.get_running_loop().time()
        else:
            jobs = []
        for job in jobs:
            self._spawn(job)
        if self._offered or (jobs and len(jobs) == free):
            return None if len(self._held) < self._batch_size else self._pending_wait()
        if self._held:
            return self._pending_wait()
        if self._scan_now:
            return None
        return await self._until_next_due()

    def _pending_wait(self) -> float:
        """While jobs run: until the linger of pending outcomes ends, or the poll interval."""
        if self._outcomes:
            return self._linger_s
        return self._poll_interval_s

    def _settle_due(self, now: float) -> bool:
        if not self._outcomes:
            return False
        return (
            self._stopping
            or len(self._outcomes) >= max(1, self._batch_size // 2)
            or len(self._outcomes) == len(self._held)
            or now - self._first_outcome_at >= self._linger_s
        )

    async def _until_next_due(self) -> float:
        """Until the poll interval, or the next due job if that comes sooner."""
        due = await self.queue.next_due()
        if due is None:
            return self._poll_interval_s
        return max(0.0, min(self._poll_interval_s, (due - utcnow()).total_seconds()))

    async def _idle(self, seconds: float) -> None:
        """Wait for a wake-up (an enqueue, finished jobs) or ``seconds``."""
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()

    def _spawn(self, job: Job) -> None:
        self._held[job.id] = job
        task = asyncio.create_task(self._run_one(job), name=f"{self.name}-{job.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_one(self, job: Job) -> None:
        async with self._slots:
            try:
                outcome = await self._handler(job)
            except Exception:
                log.exception("%s: job %s raised; its claim will expire", self.name, job.id)
                self._held.pop(job.id, None)
                return
        if not self._outcomes:
            self._first_outcome_at = asyncio.get_running_loop().time()
        self._outcomes.append(outcome)
        if self._settle_due(asyncio.get_running_loop().time()):
            self._wake.set()

    async def _settle_in_background(self) -> None:
        """Settle while the loop goes on claiming and sending (a settle is a transaction
        that may take a while; new jobs should not wait for it)."""
        try:
            await self._settle_pending()
            self.last_error = None
        except Exception as exc:  # the outcomes are back in hand; the next settle retries
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.warning("%s: settling failed: %s", self.name, self.last_error)
        finally:
            self._settling = None
            self._wake.set()

    async def _settle_pending(self) -> None:
        """Record every outcome collected so far in one call."""
        batch, self._outcomes = self._outcomes, []
        try:
            await self._settle(batch)
        except BaseException:
            self._outcomes = batch + self._outcomes
            raise
        for outcome in batch:
            self._held.pop(outcome.job.id, None)
            if outcome.final and "group" in outcome.job.doc:
                self._scan_now = True  # its successor is queued now
        self.settled.update(outcome.status for outcome in batch)
        if self._outcomes:
            self._first_outcome_at = asyncio.get_running_loop().time()

    async def _drain(self) -> None:
        """On stop: wait for jobs in hand, then settle them (bounded by ``stop``)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._settling is not None:
            await asyncio.gather(self._settling, return_exceptions=True)
        deadline = time.monotonic() + 5
        while self._outcomes and time.monotonic() < deadline:
            try:
                await self._settle_pending()
            except Exception as exc:
                log.warning("%s: settling on stop failed: %s", self.name, exc)
                await asyncio.sleep(0.2)
