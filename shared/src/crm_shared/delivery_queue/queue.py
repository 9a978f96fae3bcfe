"""The queue of one collection: enqueue, claim, settle, replay."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo import InsertOne, ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from crm_shared.delivery_queue.jobs import Document, Enqueued, Job, Outcome, Status
from crm_shared.ids import new_event_id, utcnow
from crm_shared.mongo.transactions import run_in_transaction

log = logging.getLogger(__name__)
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
_CLAIM_ROUNDS = 3


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

    async def release(self, jobs: Iterable[Job]) -> None:
        """Put jobs that were claimed but never run back in the queue, due now (their
        claim no longer counts as an attempt)."""
        now = utcnow()
        releases = [
            UpdateOne(
                {"_id": job.id, "status": "claimed", "claim": job.claim},
                {
                    "$set": {"status": "queued", "due_at": now, "updated_at": now},
                    "$unset": {"claim": "", "claimed_by": ""},
                    "$inc": {"attempts": -1},
                },
            )
            for job in jobs
        ]
        if releases:
            await self.jobs.bulk_write(releases, ordered=False)

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
