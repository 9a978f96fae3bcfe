"""Background rescoring after a tenant's scoring rules change.

Changing the rules bumps the tenant's ``scoring_version``; this worker rescores, in
batches, every lead scored with an older version and publishes LeadUpdated for those
whose score or rating moved. It is resumable (run again at start-up) and safe with
several instances (versioned updates; a lost race is simply picked up next round).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial

from crm_shared.errors import NotFound, VersionConflict
from crm_shared.events.catalogue import EventData, LeadUpdated
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx
from leads.leads.repository import LeadRepository
from leads.leads.views import snapshot
from leads.scoring.domain import RuleSet
from leads.scoring.repository import ConfigRepository, rescored_tenants
from leads.scoring.service import scored_fields, scoring_of

log = logging.getLogger(__name__)


async def _rescore_batch(
    tx: Tx, repo: LeadRepository, stale: list[Document], scoring: RuleSet, version: int
) -> int:
    """Rescore one batch inside ``tx``; returns how many leads were updated."""
    events: list[EventData] = []
    done = 0
    for lead in stale:
        fields = scored_fields(lead, scoring, version)
        try:
            doc = await repo.update(
                lead["_id"], lead["version"], {"$set": fields}, session=tx.session
            )
        except (VersionConflict, NotFound):
            continue  # changed meanwhile: that write rescored it, or the next round will
        done += 1
        if (doc["score"], doc["rating"]) != (lead.get("score"), lead.get("rating")):
            changed = ["rating", "score"]
            events.append(
                LeadUpdated(lead_id=doc["_id"], lead=snapshot(doc), changed_fields=changed)
            )
    await tx.emit_many(events, tenant_id=repo.tenant_id)
    return done


async def rescore_tenant(rt: Runtime, tenant_id: str, *, batch_size: int) -> int:
    """Rescore every stale lead of ``tenant_id``; returns how many were rescored."""
    repo = LeadRepository(rt.db, tenant_id)
    config = ConfigRepository(rt.db, tenant_id)
    total = 0
    while True:
        scoring, version = scoring_of(await config.config())
        stale = await repo.stale_scored(version, batch_size)
        if not stale:
            return total
        total += await rt.uow.run(
            partial(_rescore_batch, repo=repo, stale=stale, scoring=scoring, version=version)
        )


class Rescorer:
    """Runs rescoring jobs in the background, one per tenant at a time."""

    def __init__(self, rt: Runtime, *, batch_size: int) -> None:
        self._rt = rt
        self._batch_size = batch_size
        self._tasks: dict[str, asyncio.Task[int]] = {}

    def schedule(self, tenant_id: str) -> None:
        """Start (or restart after the current one) rescoring of ``tenant_id``."""
        running = self._tasks.get(tenant_id)

        async def job() -> int:
            if running is not None:
                with contextlib.suppress(Exception):
                    await running
            try:
                return await rescore_tenant(self._rt, tenant_id, batch_size=self._batch_size)
            except Exception:
                log.exception("rescoring tenant %s failed; it resumes at next start", tenant_id)
                return 0

        self._tasks[tenant_id] = asyncio.create_task(job(), name=f"rescore-{tenant_id}")

    async def resume_all(self) -> None:
        """Schedule every tenant that ever changed its rules (stale leads get rescored)."""
        async for tenant_id in rescored_tenants(self._rt.db):
            self.schedule(tenant_id)

    async def wait_idle(self) -> None:
        """Wait for the jobs in flight (tests, shutdown)."""
        while self._tasks:
            tasks = list(self._tasks.values())
            await asyncio.gather(*tasks, return_exceptions=True)
            self._tasks = {k: t for k, t in self._tasks.items() if not t.done()}

    async def stop(self) -> None:
        """Cancel jobs in flight; they resume at the next start."""
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
