"""Where import jobs live: the uploaded file in chunks, and one job document per import.

A job is ``queued`` once its whole file is stored, ``running`` while an instance holds its
claim (renewed at every checkpoint), then ``succeeded``, ``failed`` or ``cancelled``. A
partial unique index lets a tenant run one import of a kind at a time, across every
instance; a claim
that expired (its instance died) is taken over and resumes from the last checkpoint,
which is saved in the same transaction as the batch it follows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from crm_shared.access import Scope
from crm_shared.auth import Access, Principal
from crm_shared.csv_import import ImportReport
from crm_shared.errors import ProblemError
from crm_shared.ids import new_id, utcnow
from crm_shared.mongo.indexes import CollectionIndexes, Expiry, index
from crm_shared.uow import Tx

JOBS: Final = "import_jobs"
FILES: Final = "import_files"
CHUNK_BYTES: Final = 256 * 1024
KEEP_FINISHED: Final = timedelta(days=7)
"""Finished jobs (and their reports) are kept this long, then pruned."""
KEEP_FILES: Final = timedelta(days=2)
"""An uploaded file outlives its job only when its upload broke off with the process."""

Document = dict[str, Any]


class JobStatus(StrEnum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED: Final = frozenset(
    {JobStatus.SUCCEEDED.value, JobStatus.FAILED.value, JobStatus.CANCELLED.value}
)

IMPORT_JOB_INDEXES: Final = [
    CollectionIndexes(
        JOBS,
        [
            index([("status", ASCENDING), ("created_at", ASCENDING)], name="status_created"),
            index(
                [("tenant_id", ASCENDING), ("kind", ASCENDING)],
                name="one_running_per_tenant",
                unique=True,
                partialFilterExpression={"status": JobStatus.RUNNING.value},
            ),
            index([("expires_at", ASCENDING)], name="expires_at"),
        ],
        expire=Expiry("expires_at"),
        retired=("expires",),
    ),
    CollectionIndexes(
        FILES,
        [
            index([("job_id", ASCENDING)], name="job"),
            index([("at", ASCENDING)], name="at"),
        ],
        expire=Expiry("at", KEEP_FILES),
        retired=("expires",),
    ),
]


class JobProblem(ProblemError):
    """The problem a failed job recorded, answered again to whoever asks for its result."""

    def __init__(self, problem: Mapping[str, Any]) -> None:
        extra = {k: v for k, v in problem.items() if k not in ("status", "slug", "title")}
        detail = str(extra.pop("detail", ""))
        super().__init__(detail, **extra)
        self.status = int(problem["status"])
        self.slug = str(problem["slug"])
        self.title = str(problem["title"])


def problem_of(exc: ProblemError) -> Document:
    """A problem error as stored on a failed job."""
    return {
        "status": exc.status,
        "slug": exc.slug,
        "title": exc.title,
        "detail": exc.detail,
        **exc.extra,
    }


def job_access(job: Mapping[str, Any]) -> Access:
    """The access of the user who started ``job``: the import acts as they did."""
    who = job["principal"]
    principal = Principal(
        sub=who["sub"],
        tenant_id=job["tenant_id"],
        roles=frozenset(who["roles"]),
        scopes=frozenset(who["scopes"]),
        name=who.get("name"),
    )
    return Access(principal=principal, scope=Scope(who["scope"]))


class ImportJobStore:
    """The import jobs and uploaded files of one service database."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.jobs = db[JOBS]
        self.files = db[FILES]

    async def submit(
        self, kind: str, access: Access, body: AsyncIterator[bytes], *, options: Document
    ) -> Document:
        """Store the uploaded file in chunks, then queue its job; the queued job.

        The job is inserted last, so an upload that breaks off queues nothing (its chunks
        are removed here, or pruned after two days if this process dies meanwhile)."""
        job_id = new_id("job")
        now = utcnow()
        seq, size, pending = 0, 0, bytearray()
        try:
            async for piece in body:
                pending += piece
                size += len(piece)
                while len(pending) >= CHUNK_BYTES:
                    await self._store_chunk(job_id, seq, bytes(pending[:CHUNK_BYTES]), now)
                    del pending[:CHUNK_BYTES]
                    seq += 1
            if pending:
                await self._store_chunk(job_id, seq, bytes(pending), now)
        except BaseException:
            await self.files.delete_many({"job_id": job_id})
            raise
        principal = access.principal
        job: Document = {
            "_id": job_id,
            "tenant_id": access.tenant_id,
            "kind": kind,
            "status": JobStatus.QUEUED.value,
            "principal": {
                "sub": principal.sub,
                "roles": sorted(principal.roles),
                "scopes": sorted(principal.scopes),
                "name": principal.name,
                "scope": access.scope.value,
            },
            "options": options,
            "size_bytes": size,
            "created_at": now,
            "updated_at": now,
        }
        await self.jobs.insert_one(job)
        return job

    async def _store_chunk(self, job_id: str, seq: int, data: bytes, now: datetime) -> None:
        await self.files.insert_one(
            {"_id": f"{job_id}:{seq}", "job_id": job_id, "seq": seq, "data": data, "at": now}
        )

    async def chunks(self, job_id: str) -> AsyncIterator[bytes]:
        """The uploaded file of ``job_id``, chunk by chunk (one read per chunk)."""
        seq = 0
        while (chunk := await self.files.find_one({"_id": f"{job_id}:{seq}"})) is not None:
            yield bytes(chunk["data"])
            seq += 1

    async def get(self, tenant_id: str, job_id: str) -> Document | None:
        """The job ``job_id`` of ``tenant_id``, if it exists."""
        return await self.jobs.find_one({"_id": job_id, "tenant_id": tenant_id})

    async def claim(
        self, kinds: list[str], owner: str, lease: timedelta, *, skip: set[str]
    ) -> Document | None:
        """Take the oldest job of ``kinds`` that is queued, or running under an expired
        claim, whose tenant runs no other import of its kind (tenants in ``skip`` are held
        by this instance already); None when there is none."""
        candidates = await self.jobs.find(
            {
                "kind": {"$in": kinds},
                "$or": [
                    {"status": JobStatus.QUEUED.value},
                    {"status": JobStatus.RUNNING.value, "claim_until": {"$lt": utcnow()}},
                ],
            },
            sort=[("created_at", ASCENDING)],
            limit=20,
        ).to_list()
        # the clock is read after the candidates are: a claim is later than the insert of
        # the job it found (a clock read before the find, on a busy loop, could be earlier)
        now = utcnow()
        for job in candidates:
            if job["tenant_id"] in skip:
                continue
            try:
                claimed = await self.jobs.find_one_and_update(
                    {"_id": job["_id"], "status": job["status"], "updated_at": job["updated_at"]},
                    {
                        "$set": {
                            "status": JobStatus.RUNNING.value,
                            "claimed_by": owner,
                            "claim_until": now + lease,
                            "started_at": job.get("started_at") or now,
                            "updated_at": now,
                        }
                    },
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:
                continue  # the tenant's other import of this kind is running
            if claimed is not None:
                return claimed
        return None

    async def checkpoint(
        self, tx: Tx, job_id: str, owner: str, report: ImportReport, lease: timedelta
    ) -> None:
        """Save the report so far with the batch in ``tx``, and renew the claim."""
        now = utcnow()
        saved = await self.jobs.update_one(
            {"_id": job_id, "claimed_by": owner, "status": JobStatus.RUNNING.value},
            {"$set": {"report": report.as_dict(), "claim_until": now + lease, "updated_at": now}},
            session=tx.session,
        )
        if saved.matched_count == 0:
            raise ClaimLost(job_id)

    async def finish(
        self, job_id: str, owner: str, report: ImportReport, problem: Document | None
    ) -> None:
        """Record the outcome, release the claim and drop the uploaded file."""
        now = utcnow()
        status = JobStatus.FAILED if problem else JobStatus.SUCCEEDED
        await self.jobs.update_one(
            {"_id": job_id, "claimed_by": owner, "status": JobStatus.RUNNING.value},
            {
                "$set": {
                    "status": status.value,
                    "report": report.as_dict(),
                    "problem": problem,
                    "finished_at": now,
                    "updated_at": now,
                    "expires_at": now + KEEP_FINISHED,
                },
                "$unset": {"claimed_by": "", "claim_until": ""},
            },
        )
        await self.files.delete_many({"job_id": job_id})

    async def cancel(self, tenant_id: str, job_id: str) -> Document | None:
        """Stop a queued or running job (a running one stops at its next batch, whose
        writes roll back; the batches before it stay); the job as it is now, or None when
        it does not exist."""
        now = utcnow()
        await self.jobs.update_one(
            {
                "_id": job_id,
                "tenant_id": tenant_id,
                "status": {"$in": [JobStatus.QUEUED.value, JobStatus.RUNNING.value]},
            },
            {
                "$set": {
                    "status": JobStatus.CANCELLED.value,
                    "finished_at": now,
                    "updated_at": now,
                    "expires_at": now + KEEP_FINISHED,
                },
                "$unset": {"claimed_by": "", "claim_until": ""},
            },
        )
        job = await self.get(tenant_id, job_id)
        if job is not None and job["status"] == JobStatus.CANCELLED.value:
            await self.files.delete_many({"job_id": job_id})
        return job


class ClaimLost(Exception):
    """The job is no longer this instance's: cancelled, or taken over by another instance
    (this one stalled past its claim)."""
