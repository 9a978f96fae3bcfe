"""A durable job queue in one MongoDB collection, for work done outside a transaction.

Sending an e-mail or POSTing a webhook cannot be part of a database transaction, so the
consumer that decides to do it only *enqueues* a job; a :class:`Dispatcher` then runs
jobs with bounded concurrency and settles their outcomes in bulk. Several service
instances may dispatch at once: a claim is a conditional write, so each job is held by
one instance at a time, until its claim expires (its holder died).

A job is a document: ``_id`` (the idempotency key: enqueueing it again is a no-op),
``tenant_id``, an optional ``group`` and any payload fields. Jobs of one group run
strictly one at a time, in enqueue order. The group's *head* (the one that may run) holds
the group: ``head`` (the group's key, unique among documents: a second head cannot be
written) and ``last`` (the number of the group's latest job); the jobs behind it wait
(``waiting``), numbered by ``seq``, and the head hands ``head`` and ``last`` on to the next
one when it finishes (``done`` or ``failed``). A group with one unfinished job costs
nothing besides that job's own writes; only a job that joins a group with a head, or a
head with jobs behind it, needs a transaction.

Enqueueing outside a transaction writes each new job (or group head) with one insert, so
an accepted job is durable once the insert returns; inside the caller's transaction the
jobs commit with it. A dispatcher may take the jobs it enqueues at once: they are
inserted claimed by it (:meth:`DeliveryQueue.put`, :meth:`Dispatcher.adopt`), so running
them costs no claim; another instance takes them only when that claim expires.

Lifecycle: ``waiting -> queued -> claimed -> done | failed`` (an adopted job is inserted
``claimed``), ``claimed -> queued`` (retry later, attempts counted), ``failed -> queued``
(:meth:`DeliveryQueue.reopen`). A claimed job's ``due_at`` is its claim expiry, so one
index ``(status, due_at)`` serves claims, the next due time and expired claims alike.

Writes outside a transaction name one job per statement (a bulk of them, not an
``update_many``): on the embedded server a multi-document update that meets a document a
transaction wrote waits for that transaction while holding the whole collection, which
the transaction's next write needs: neither ends.
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

from pymongo import ASCENDING, DESCENDING, InsertOne, ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from crm_shared.ids import new_event_id, utcnow
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.transactions import run_in_transaction
from crm_shared.uow import Tx

log = logging.getLogger(__name__)

Document = dict[str, Any]
Status = Literal["waiting", "queued", "claimed", "done", "failed"]
UNFINISHED: tuple[Status, ...] = ("waiting", "queued", "claimed")
_RESERVED = frozenset(
    {
        "status",
        "due_at",
        "attempts",
        "seq",
        "head",
        "last",
        "claim",
        "claimed_by",
        "created_at",
        "updated_at",
    }
)
_DUPLICATE_KEY = 11000
_MAX_BACKOFF_S = 5.0
_CLAIM_ROUNDS = 3


def queue_indexes(collection: str) -> list[CollectionIndexes]:
    """Indexes of a queue collection.

    ``(status, due_at)`` is the dispatchers' index (claims span tenants, like the
    outbox); ``head`` makes a group's head unique (sparse: only heads have one); the API
    lists of a queue's records use the tenant-first ones.
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
                index([("head", ASCENDING)], name="queue_group_head", unique=True, sparse=True),
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


@dataclass(frozen=True)
class Enqueued:
    """What one enqueue wrote: the ids that were new (in the order given), and the jobs
    of them inserted claimed for the caller (:meth:`DeliveryQueue.put` with ``claim``)."""

    ids: list[str]
    claimed: list[Job]


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
        self.claim_timeout = timedelta(seconds=claim_timeout_s)
        self.instance_id = instance_id or f"{socket.gethostname()}:{id(self):x}"
        self.promotions = 0
        """How many times :meth:`finish` queued the next job of a group (a dispatcher
        scans for them when this grows)."""

    # --- enqueue ------------------------------------------------------------------------

    async def enqueue(
        self, session: AsyncClientSession, jobs: Sequence[Mapping[str, Any]]
    ) -> list[str]:
        """Insert ``jobs`` (in the caller's transaction if ``session`` is in one); returns
        the ids that were new (offer them to the dispatcher once they are durable).

        A job whose ``_id`` exists already (a redelivery, or another tenant's id) is
        ignored. ``due_at`` may be given to start a job later (default: now).
        """
        return (await self.put(session, jobs)).ids

    async def put(
        self, session: AsyncClientSession, jobs: Sequence[Mapping[str, Any]], *, claim: bool = False
    ) -> Enqueued:
        """:meth:`enqueue`; with ``claim``, the new jobs that may run now (due, and not
        behind another job of their group) are inserted claimed by this instance: run
        them (:meth:`Dispatcher.adopt`) once they are durable."""
        now = utcnow()
        docs: dict[str, Document] = {}
        for job in jobs:
            doc = _new_job(job, now)
            docs.setdefault(doc["_id"], doc)
        if not docs:
            return Enqueued([], [])
        claim_set = self._claim_set(now, new_event_id()) if claim else None
        if session.in_transaction:
            written = await self._put_in(session, list(docs.values()), now, claim_set)
        else:
            written = await self._put_plain(session, list(docs.values()), now, claim_set)
        skipped = len(docs) - len(written)
        if skipped:
            log.info("queue %s: %d duplicate job(s) ignored", self.jobs.name, skipped)
        ids = [_id for _id in docs if _id in written]
        return Enqueued(
            ids, [Job(written[_id]) for _id in ids if written[_id]["status"] == "claimed"]
        )

    async def _put_plain(
        self,
        session: AsyncClientSession,
        docs: list[Document],
        now: datetime,
        claim_set: Document | None,
    ) -> dict[str, Document]:
        """Outside a transaction: one insert each for ungrouped jobs and would-be heads of
        groups (the unique ``head`` refuses one whose group has a head already); the
        jobs that join a group are numbered behind its head in a transaction. Returns the
        documents written, by id."""
        first: list[Document] = []
        behind: set[str] = set()
        heads: set[str] = set()
        for doc in docs:
            if "group" not in doc:
                first.append(_ready(doc, now, claim_set))
            elif (key := _group_key(doc)) not in heads:
                heads.add(key)
                first.append(_ready({**doc, "head": key, "seq": 1, "last": 1}, now, claim_set))
            else:
                behind.add(doc["_id"])
        written, headed = await self._insert(session, first)
        rest = [doc for doc in docs if doc["_id"] in behind or doc["_id"] in headed]
        if rest:
            client = self.jobs.database.client
            written |= await run_in_transaction(
                client, lambda s: self._put_in(s, rest, now, claim_set)
            )
        return written

    async def _insert(
        self, session: AsyncClientSession, docs: list[Document]
    ) -> tuple[dict[str, Document], set[str]]:
        """Insert ``docs`` (each on its own); returns those inserted, by id, and the ids
        refused because their group has a head (an existing ``_id`` is a duplicate)."""
        refused: set[str] = set()
        headed: set[str] = set()
        try:
            await self.jobs.bulk_write(
                [InsertOne(doc) for doc in docs], ordered=False, session=session
            )
        except BulkWriteError as exc:
            for error in exc.details["writeErrors"]:
                if error["code"] != _DUPLICATE_KEY:
                    raise
                _id = docs[error["index"]]["_id"]
                refused.add(_id)
                if error.get("keyPattern") != {"_id": 1}:
                    headed.add(_id)
        return {doc["_id"]: doc for doc in docs if doc["_id"] not in refused}, headed

    async def _put_in(
        self,
        session: AsyncClientSession,
        docs: list[Document],
        now: datetime,
        claim_set: Document | None,
    ) -> dict[str, Document]:
        """In a transaction: upsert ``docs`` (grouped ones waiting), then number the new
        grouped ones behind their groups' heads; the first of a group without a head
        becomes it. Returns the documents written, by id."""
        staged = {
            doc["_id"]: {**doc, "status": "waiting"}
            if "group" in doc
            else _ready(doc, now, claim_set)
            for doc in docs
        }
        result = await self.jobs.bulk_write(
            [
                UpdateOne({"_id": _id}, {"$setOnInsert": _without_id(doc)}, upsert=True)
                for _id, doc in staged.items()
            ],
            ordered=False,
            session=session,
        )
        new = {str(_id) for _id in (result.upserted_ids or {}).values()}
        written = {_id: doc for _id, doc in staged.items() if _id in new}
        by_group: dict[str, list[Document]] = {}
        for doc in written.values():
            if "group" in doc:
                by_group.setdefault(_group_key(doc), []).append(doc)
        updates = []
        for key, members in by_group.items():
            head = await self.jobs.find_one_and_update(
                {"head": key},
                {"$inc": {"last": len(members)}},
                {"last": 1},
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            first = 1 if head is None else int(head["last"]) - len(members) + 1
            for offset, doc in enumerate(members):
                fields: Document = {"seq": first + offset}
                if head is None and offset == 0:  # the group had no head: this one is it
                    fields |= {"head": key, "last": len(members), **_start(doc, now, claim_set)}
                written[doc["_id"]] = {**doc, **fields}
                updates.append(UpdateOne({"_id": doc["_id"]}, {"$set": fields}))
        if updates:
            await self.jobs.bulk_write(updates, ordered=False, session=session)
        return written

    # --- claim --------------------------------------------------------------------------

    def _claim_set(self, now: datetime, token: str) -> Document:
        """The fields of a job claimed by this instance under ``token`` (``due_at``: expiry)."""
        return {
            "status": "claimed",
            "claim": token,
            "claimed_by": self.instance_id,
            "due_at": now + self.claim_timeout,
            "updated_at": now,
        }

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
        claim_set = self._claim_set(now, new_event_id())
        result = await self.jobs.bulk_write(
            [
                UpdateOne(
                    {"_id": _id, "status": "queued", "due_at": {"$lte": now}},
                    {"$set": claim_set, "$inc": {"attempts": 1}},
                )
                for _id in ids
            ],
            ordered=False,
        )
        if candidates is not None and result.modified_count == len(ids):
            return [
                Job({**doc, **claim_set, "attempts": int(doc.get("attempts", 0)) + 1})
                for doc in candidates
            ]
        if result.modified_count == 0:
            return []
        # read back exactly what this claim holds (others may have won some)
        held = self.jobs.find({"_id": {"$in": list(ids)}, "claim": claim_set["claim"]})
        return [Job(doc) for doc in await held.to_list()]

    async def extend(self, jobs: Iterable[Job]) -> None:
        """Push the claim expiry of jobs still in hand (the holder is alive)."""
        expiry = {"$set": {"due_at": utcnow() + self.claim_timeout}}
        renewals = [
            UpdateOne({"_id": job.id, "status": "claimed", "claimed_by": self.instance_id}, expiry)
            for job in jobs
        ]
        if renewals:
            await self.jobs.bulk_write(renewals, ordered=False)

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
        meanwhile is left alone). A finished head with jobs behind it hands its group on
        to the next one.

        Pass the caller's ``session`` to record the outcomes in its transaction (with the
        events they cause). Without one each outcome is one document's write, atomic on
        its own; only a group's hand-over runs a transaction of the queue's own.
        """
        if not outcomes:
            return []
        now = utcnow()
        result = await self.jobs.bulk_write(
            [UpdateOne(*_settlement(o, now, alone=True)) for o in outcomes],
            ordered=False,
            session=session,
        )
        if result.matched_count == len(outcomes):
            return list(outcomes)
        return await self._finish_rest(outcomes, now, session)

    async def _finish_rest(
        self, outcomes: Sequence[Outcome], now: datetime, session: AsyncClientSession | None
    ) -> list[Outcome]:
        """The outcomes the bulk applied, and those of heads with jobs behind them, which
        it left for :meth:`_hand_over`; the rest lost their claims."""
        found = self.jobs.find(
            {"_id": {"$in": [o.job.id for o in outcomes]}},
            {"status": 1, "claim": 1, "updated_at": 1},
            session=session,
        )
        docs = {doc["_id"]: doc async for doc in found}
        applied: set[str] = set()
        heads: list[Outcome] = []
        for outcome in outcomes:
            doc = docs.get(outcome.job.id, {})
            if doc.get("claim") != outcome.job.claim:
                continue
            if doc["status"] == "claimed" and outcome.final:
                heads.append(outcome)
            elif doc["status"] == outcome.status and doc["updated_at"] == now:
                applied.add(outcome.job.id)
        if heads:
            if session is None:
                client = self.jobs.database.client
                handed = await run_in_transaction(client, lambda s: self._hand_over(heads, now, s))
            else:
                handed = await self._hand_over(heads, now, session)
            applied.update(handed)
        return [o for o in outcomes if o.job.id in applied]

    async def _hand_over(
        self, heads: list[Outcome], now: datetime, session: AsyncClientSession
    ) -> list[str]:
        """Finish heads (in a transaction) and queue the next job of each group, which
        becomes its head; returns the ids of the heads finished."""
        finished, promotions = [], []
        for outcome in heads:
            before = await self.jobs.find_one_and_update(
                *_settlement(outcome, now, alone=False),
                {"tenant_id": 1, "group": 1, "seq": 1, "head": 1, "last": 1},
                session=session,
            )
            if before is None:
                continue  # the claim was lost meanwhile
            finished.append(outcome.job.id)
            if "head" in before and before["last"] > before["seq"]:
                promotions.append(
                    UpdateOne(
                        {
                            "tenant_id": before["tenant_id"],
                            "group": before["group"],
                            "seq": before["seq"] + 1,
                            "status": "waiting",
                        },
                        {
                            "$set": {
                                "status": "queued",
                                "due_at": now,
                                "updated_at": now,
                                "head": before["head"],
                                "last": before["last"],
                            }
                        },
                    )
                )
        if promotions:
            await self.jobs.bulk_write(promotions, ordered=False, session=session)
            self.promotions += 1
        return finished

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
    """The stored document of a job to enqueue, but its status (validated: id, tenant, no
    reserved keys)."""
    if not job.get("_id") or not job.get("tenant_id"):
        raise ValueError("a job needs _id and tenant_id")
    reserved = _RESERVED & set(job) - {"due_at"}
    if reserved:
        raise ValueError(f"job fields reserved by the queue: {sorted(reserved)}")
    doc = dict(job)
    if doc.get("group") is None:
        doc.pop("group", None)
    doc.update(due_at=job.get("due_at") or now, attempts=0, created_at=now, updated_at=now)
    return doc


def _start(doc: Document, now: datetime, claim_set: Document | None) -> Document:
    """The fields that let ``doc`` run: queued, or claimed (``claim_set``) if it is due."""
    if claim_set is not None and doc["due_at"] <= now:
        return {**claim_set, "attempts": 1}
    return {"status": "queued"}


def _ready(doc: Document, now: datetime, claim_set: Document | None) -> Document:
    """``doc`` ready to run (see :func:`_start`)."""
    return {**doc, **_start(doc, now, claim_set)}


def _settlement(outcome: Outcome, now: datetime, *, alone: bool) -> tuple[Document, Document]:
    """Filter and update recording ``outcome`` while its job is held under its claim; with
    ``alone``, a finished head's only if no job waits behind it (see ``_hand_over``)."""
    job = outcome.job
    set_: Document = {
        **outcome.fields,
        "status": outcome.status,
        "updated_at": now,
        "due_at": outcome.due_at or now,
    }
    filter_: Document = {"_id": job.id, "status": "claimed", "claim": job.claim}
    update: Document = {"$set": set_}
    if outcome.final:
        set_["finished_at"] = now
        update["$unset"] = {"head": "", "last": ""}
        if alone and "head" in job.doc:
            filter_["last"] = job.doc["seq"]
    return filter_, update


def _without_id(doc: Document) -> Document:
    return {k: v for k, v in doc.items() if k != "_id"}


def _group_key(doc: Mapping[str, Any]) -> str:
    return f"{doc['tenant_id']}/{doc['group']}"


class EnqueueOnCommit:
    """Buffers the jobs the handlers of one unit of work queue (a consumer batch, or one
    event applied without a transaction) and writes them in one bulk at its end; once they
    are durable (committed), ``offer`` gets the new ids (hand them to the dispatcher: no
    scan, no polling delay).

    With ``dispatcher`` (the dispatcher to run them, None while there is none), the jobs
    are inserted claimed by it instead and it runs them as soon as they are durable: no
    claim, no read; if the instance dies first, another one retries them when the claim
    expires (use it where ``on_expired`` retries)."""

    def __init__(
        self,
        collection: str,
        offer: Callable[[list[str]], None],
        *,
        dispatcher: Callable[[], Dispatcher | None] | None = None,
    ) -> None:
        self._collection = collection
        self._offer = offer
        self._dispatcher = dispatcher
        self._pending: WeakKeyDictionary[Tx, list[Mapping[str, Any]]] = WeakKeyDictionary()

    def add(self, tx: Tx, jobs: Iterable[Mapping[str, Any]]) -> None:
        """Queue ``jobs`` with ``tx`` (written at its end, dropped if it rolls back)."""
        pending = self._pending.get(tx)
        if pending is None:
            pending = self._pending[tx] = []
            tx.before_commit(partial(self._write, tx, pending))
        pending.extend(jobs)

    async def _write(self, tx: Tx, jobs: list[Mapping[str, Any]]) -> None:
        runner = self._dispatcher() if self._dispatcher is not None else None
        if runner is not None and runner.running:
            written = await runner.queue.put(tx.session, jobs, claim=True)
            if written.claimed:
                tx.after_commit(partial(runner.adopt, written.claimed))
            claimed = {job.id for job in written.claimed}
            ids = [_id for _id in written.ids if _id not in claimed]
        else:
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

    Jobs enqueued claimed for it are run as they are (:meth:`adopt`). After a transaction
    that enqueued jobs commits, :meth:`offer` their ids
    (``tx.after_commit(partial(dispatcher.offer, ids))``) or at least :meth:`wake` it:
    offered jobs are claimed by id, which costs in proportion to them, whereas a scan
    of the queue costs in proportion to its whole due backlog on the embedded server.
    Scans (every ``poll_interval_s``, when a retry it settled falls due, or when a group's
    next job was queued) are the fallback that finds retries, jobs other instances
    enqueued, and successors in a group. Outcomes are settled together: when half a batch
    is ready, when nothing else runs, or ``settle_linger_s`` after the first one.
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
        self._next_due: float | None = None
        """When (loop time) the earliest queued job known to this dispatcher falls due."""
        self._promotions = 0
        """The queue's ``promotions`` when this dispatcher last scanned."""
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

    @property
    def running(self) -> bool:
        """Whether the loop was started and is not stopping (it takes jobs)."""
        return self._task is not None and not self._stopping

    def wake(self) -> None:
        """Signal that jobs may be due now: scan the queue at once."""
        self._scan_now = True
        self._wake.set()

    def offer(self, ids: Iterable[str]) -> None:
        """Hand over ids of jobs just enqueued (their transaction committed)."""
        self._offered.update(dict.fromkeys(ids))
        self._wake.set()

    def adopt(self, jobs: Iterable[Job]) -> None:
        """Run jobs that were enqueued claimed for this dispatcher, now durable
        (:meth:`DeliveryQueue.put`); once it stops, it leaves them to expire."""
        jobs = list(jobs)
        if not self.running:
            log.info("%s stopping: %d job(s) wait for their claims to expire", self.name, len(jobs))
            return
        for job in jobs:
            self._spawn(job)

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
                if self._scan_due(loop.time()):
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
            self._scan_now = True  # they may be queued again

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
            jobs = await self._scan(free)
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
        return self._until_next_scan()

    async def _scan(self, free: int) -> list[Job]:
        """Claim due jobs found by a scan; when they are drained, look up the next due."""
        loop = asyncio.get_running_loop()
        self._scan_now = False
        self._promotions = self.queue.promotions
        self._scanned_at = loop.time()
        jobs = await self.queue.claim(free)
        self._next_due = self._scanned_at if len(jobs) == free else None
        if len(jobs) < free and (due := await self.queue.next_due()) is not None:
            self._due_by(due)
        return jobs

    def _scan_due(self, now: float) -> bool:
        """Whether to scan: the poll interval is over, a known job fell due, or a group's
        next job was queued since the last scan."""
        return (
            now - self._scanned_at >= self._poll_interval_s
            or (self._next_due is not None and now >= self._next_due)
            or self.queue.promotions != self._promotions
        )

    def _due_by(self, due_at: datetime) -> None:
        """Note that a queued job falls due at ``due_at``."""
        at = asyncio.get_running_loop().time() + (due_at - utcnow()).total_seconds()
        self._next_due = at if self._next_due is None else min(self._next_due, at)

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

    def _until_next_scan(self) -> float:
        """Until the poll interval is over, or the next known job falls due if sooner."""
        at = self._scanned_at + self._poll_interval_s
        if self._next_due is not None:
            at = min(at, self._next_due)
        return max(0.0, at - asyncio.get_running_loop().time())

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
            if outcome.due_at is not None:
                self._due_by(outcome.due_at)  # a retry
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
