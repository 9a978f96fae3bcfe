"""Running jobs: the dispatcher loop, and the enqueue that hands it new jobs."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from crm_shared.delivery_queue.jobs import Job, Outcome
from crm_shared.delivery_queue.queue import DeliveryQueue
from crm_shared.ids import utcnow
from crm_shared.uow import Tx

log = logging.getLogger(__name__)
_MAX_BACKOFF_S = 5.0


class EnqueueOnCommit:
    """Buffers the jobs the handlers of one unit of work queue (a consumer batch, or one
    event applied without a transaction) and writes them in one bulk at its end; once they
    are durable (committed), ``offer`` gets the new ids (hand them to the dispatcher: no
    scan, no polling delay).

    With ``dispatcher`` (the dispatcher to run them, None while there is none), the jobs
    are inserted claimed by it instead and it runs them as soon as they are durable: no
    claim, no read (a dispatcher stopping meanwhile puts them back in the queue). If the
    instance dies first, its ``on_expired`` decides about them when the claims expire, as
    about any job it held."""

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

    def add(self, tx: Tx, jobs: Iterable[Mapping[str, Any]]) -> None:
        """Queue ``jobs`` with ``tx`` (written at its end, dropped if it rolls back)."""
        tx.buffer(self, partial(self._write, tx)).extend(jobs)

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
        (:meth:`DeliveryQueue.put`); once it stops, it puts them back in the queue for
        another instance (should that fail, their claims expire)."""
        jobs = list(jobs)
        if not self.running:
            log.info("%s stopping: %d job(s) go back to the queue", self.name, len(jobs))
            task = asyncio.get_running_loop().create_task(self._release(jobs))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        for job in jobs:
            self._spawn(job)

    async def _release(self, jobs: list[Job]) -> None:
        try:
            await self.queue.release(jobs)
        except Exception as exc:
            log.warning(
                "%s: %d job(s) wait for their claims to expire: %s", self.name, len(jobs), exc
            )

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
