"""What the queue stores and hands out: jobs, their outcomes, the queue's indexes."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pymongo import ASCENDING, DESCENDING

from crm_shared.mongo.indexes import CollectionIndexes, index

Document = dict[str, Any]
Status = Literal["waiting", "queued", "claimed", "done", "failed"]
UNFINISHED: tuple[Status, ...] = ("waiting", "queued", "claimed")


GROUP_INDEXES = ("queue_group_seq", "queue_group_head")
"""The indexes only a queue whose jobs form ordered groups needs."""


def queue_indexes(collection: str, *, grouped: bool = True) -> list[CollectionIndexes]:
    """Indexes of a queue collection.

    ``(status, due_at)`` is the dispatchers' index (claims span tenants, like the
    outbox); ``head`` makes a group's head unique (sparse: only heads have one) and
    ``(tenant, group, seq)`` finds a group's next job: a queue whose jobs are never
    grouped (``grouped=False``) drops both, since every index costs each claim and
    settlement its upkeep; the API lists of a queue's records use the tenant-first ones.
    """
    group_indexes = [
        # not partial: the embedded server never plans a query on a partial index
        index(
            [("tenant_id", ASCENDING), ("group", ASCENDING), ("seq", ASCENDING)],
            name="queue_group_seq",
        ),
        index([("head", ASCENDING)], name="queue_group_head", unique=True, sparse=True),
    ]
    return [
        CollectionIndexes(
            collection,
            [
                index([("status", ASCENDING), ("due_at", ASCENDING)], name="queue_due"),
                *(group_indexes if grouped else []),
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
            retired=() if grouped else GROUP_INDEXES,
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
