"""The import job runner: each instance of a service runs a few imports in the background.

Bulk work must not starve interactive work. Each instance runs at most
``import_jobs_per_instance`` jobs at once, a tenant at most one of each kind (across
instances, by the store's index), each within ``import_rows_per_second``; before each batch
a job waits (up to ``import_yield_ms``) until no interactive request of this process is in
flight. The runner is woken by an upload of this instance, else by its slow poll
(``import_poll_s``), which also takes over jobs whose instance died.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError

from crm_shared.auth import Access
from crm_shared.csv_import import CsvImporter, ImportReport, run_csv_import
from crm_shared.errors import ProblemError
from crm_shared.http.inflight import INTERACTIVE
from crm_shared.import_jobs.store import (
    FINISHED,
    ClaimLost,
    ImportJobStore,
    JobStatus,
    job_access,
    problem_of,
)
from crm_shared.settings import ServiceSettings
from crm_shared.uow import Tx

if TYPE_CHECKING:
    from crm_shared.runtime import Runtime

log = logging.getLogger(__name__)
Document = dict[str, Any]
_UNAVAILABLE = (ConnectionFailure, ServerSelectionTimeoutError)


@dataclass(frozen=True)
class ImportKind:
    """One kind of import a service runs as jobs (``"leads"``, ``"contacts"``, ...)."""

    name: str
    importer: Callable[[Runtime, Access], Awaitable[CsvImporter[Any]]]
    """Builds the import's parse/keys/flush for the user who started it."""
    max_rows: int
    batch_size: int


class Pace:
    """Keeps one job within a rows-per-second budget (0: no limit)."""

    def __init__(self, rows_per_second: float) -> None:
        self._rate = rows_per_second
        self._next = time.monotonic()

    async def take(self, rows: int) -> None:
        """Wait until ``rows`` more rows fit in the budget."""
        if self._rate <= 0:
            return
        now = time.monotonic()
        start = max(self._next, now)
        self._next = start + rows / self._rate
        if start > now:
            await asyncio.sleep(start - now)


class ImportRunner:
    """Claims and runs a service's import jobs in the background."""

    def __init__(self, runtime: Runtime, settings: ServiceSettings) -> None:
        self._runtime = runtime
        self._settings = settings
        self.store = ImportJobStore(runtime.db)
        self.kinds: dict[str, ImportKind] = {}
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lease = timedelta(seconds=settings.import_claim_s)
        self._wake = asyncio.Event()
        self._running: dict[str, asyncio.Task[None]] = {}
        """Jobs this instance runs, by tenant."""
        self._finished: dict[str, asyncio.Event] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> int:
        """Jobs this instance is running now."""
        return len(self._running)

    def register(self, kind: ImportKind) -> None:
        """Run jobs of ``kind`` here."""
        self.kinds[kind.name] = kind

    def start(self) -> None:
        """Start claiming jobs (when any kind is registered)."""
        if self.kinds and self._task is None:
            self._task = asyncio.create_task(self._loop(), name="import-jobs")

    async def stop(self) -> None:
        """Stop claiming; running jobs stop between batches and resume elsewhere (or here
        after a restart) from their last checkpoint once their claim expires."""
        tasks = [t for t in (self._task, *self._running.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None

    async def submit(self, kind: str, access: Access, body: Any) -> Document:
        """Store an uploaded file as a queued job of ``kind`` and wake the runner."""
        job = await self.store.submit(kind, access, body, options={})
        self._finished[job["_id"]] = asyncio.Event()
        self._wake.set()
        return job

    async def wait(self, job: Document) -> Document:
        """The job once it finished here, or as it is after ``import_wait_s``."""
        done = self._finished.get(job["_id"])
        if done is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), self._settings.import_wait_s)
        current = await self.store.get(job["tenant_id"], job["_id"]) or job
        if current["status"] in FINISHED:
            self._finished.pop(job["_id"], None)  # finished by another instance
        return current

    async def _loop(self) -> None:
        while True:
            try:
                await self._claim_free_slots()
            except _UNAVAILABLE as exc:
                log.warning("import jobs: database unavailable (%s)", exc)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._settings.import_poll_s)

    async def _claim_free_slots(self) -> None:
        while len(self._running) < self._settings.import_jobs_per_instance:
            job = await self.store.claim(
                list(self.kinds), self._owner, self._lease, skip=set(self._running)
            )
            if job is None:
                return
            tenant = job["tenant_id"]
            self._running[tenant] = asyncio.create_task(self._run(job), name=f"import-{job['_id']}")

    async def _run(self, job: Document) -> None:
        try:
            await self._work(job)
        except ClaimLost:
            log.warning("import job %s: cancelled or taken over elsewhere", job["_id"])
        except _UNAVAILABLE as exc:
            # left running: its claim expires and it resumes from its last checkpoint
            log.warning("import job %s: database unavailable (%s)", job["_id"], exc)
        finally:
            del self._running[job["tenant_id"]]
            if (done := self._finished.pop(job["_id"], None)) is not None:
                done.set()
            self._wake.set()

    async def _work(self, job: Document) -> None:
        kind = self.kinds[job["kind"]]
        access = job_access(job)
        importer = await kind.importer(self._runtime, access)
        saved = job.get("report")
        report = (
            ImportReport.restore(saved, key_name=importer.key_name)
            if saved
            else ImportReport(key_name=importer.key_name)
        )

        async def checkpoint(tx: Tx, current: ImportReport) -> None:
            await self.store.checkpoint(tx, job["_id"], self._owner, current, self._lease)

        report.checkpoint = checkpoint
        pace = Pace(self._settings.import_rows_per_second)
        yield_s = self._settings.import_yield_ms / 1000

        async def before_batch(rows: int) -> None:
            await pace.take(rows)
            await INTERACTIVE.calm(yield_s)

        problem: Document | None = None
        try:
            await run_csv_import(
                self.store.chunks(job["_id"]),
                importer,
                max_rows=kind.max_rows,
                batch_size=kind.batch_size,
                report=report,
                before_batch=before_batch,
            )
        except ProblemError as exc:
            problem = problem_of(exc)
        except (ClaimLost, *_UNAVAILABLE, asyncio.CancelledError):
            raise
        except Exception:
            log.exception("import job %s failed", job["_id"])
            problem = {
                "status": 500,
                "slug": "import-failed",
                "title": "Import failed",
                "detail": "the import stopped on an unexpected error; rows before it were imported",
                "created": report.created,
            }
        await self.store.finish(job["_id"], self._owner, report, problem)
        status = JobStatus.FAILED if problem else JobStatus.SUCCEEDED
        log.info(
            "import job %s %s: %d rows, %d created",
            job["_id"],
            status.value,
            report.rows,
            report.created,
        )
