"""The assign-owner action: a job per firing, performed after the commit through the
leads API (via the gateway, as the campaigns service account), with retries."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any, Final

import httpx
from pymongo.asynchronous.database import AsyncDatabase

from campaigns.automations.repository import RunRepository
from campaigns.settings import CampaignsSettings
from crm_shared.delivery_queue import (
    DeliveryQueue,
    Dispatcher,
    Job,
    Outcome,
    backoff_delay,
    queue_indexes,
)
from crm_shared.ids import utcnow
from crm_shared.uow import Tx, UnitOfWork

JOBS: Final = "automation_jobs"
INDEXES = queue_indexes(JOBS)
MAX_ATTEMPTS: Final = 6
_RETRY_BASE_S: Final = 2.0
_RETRY_CAP_S: Final = 300.0


def assign_queue(db: AsyncDatabase[dict[str, Any]]) -> DeliveryQueue:
    """The queue of pending assign-owner calls."""
    return DeliveryQueue(db, JOBS)


class LeadsApi:
    """Calls the leads API through the gateway with a service-account token per tenant."""

    def __init__(self, settings: CampaignsSettings) -> None:
        self._secret = settings.service_secret
        self._http = httpx.AsyncClient(
            base_url=settings.gateway_url, timeout=httpx.Timeout(5.0), follow_redirects=False
        )
        self._tokens: dict[str, tuple[float, str]] = {}

    async def _token(self, tenant_id: str) -> str:
        cached = self._tokens.get(tenant_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        response = await self._http.post(
            "/api/v1/auth/service-token",
            json={"service": "campaigns", "secret": self._secret, "tenant_id": tenant_id},
        )
        response.raise_for_status()
        body = response.json()
        token = str(body["access_token"])
        self._tokens[tenant_id] = (time.monotonic() + int(body["expires_in"]) / 2, token)
        return token

    async def assign(self, tenant_id: str, lead_id: str, owner_id: str | None) -> httpx.Response:
        """``POST /api/v1/leads/{id}/assign`` (round-robin when ``owner_id`` is None)."""
        token = await self._token(tenant_id)
        return await self._http.post(
            f"/api/v1/leads/{lead_id}/assign",
            json={"owner_id": owner_id} if owner_id else {},
            headers={"Authorization": f"Bearer {token}"},
        )

    async def close(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()


class AssignWorker:
    """Runs queued assign-owner jobs and records each outcome on its automation run."""

    def __init__(self, uow: UnitOfWork, settings: CampaignsSettings) -> None:
        self._uow = uow
        self._configured = bool(settings.service_secret)
        self.api = LeadsApi(settings)
        self.queue = assign_queue(uow.db)
        self.dispatcher = Dispatcher(
            self.queue, self.run, concurrency=4, settle=self.settle, name="automation-assign"
        )

    async def run(self, job: Job) -> Outcome:
        """Call the leads API once; transient failures are retried with backoff."""
        if not self._configured:
            return Outcome.failed(job, error="no service secret configured (assign is off)")
        try:
            response = await self.api.assign(
                job.tenant_id, job.doc["lead_id"], job.doc.get("owner_id")
            )
        except httpx.HTTPError as exc:
            return self._retry_or_fail(job, f"gateway unreachable: {type(exc).__name__}")
        if response.status_code == 200:
            return Outcome.done(job, owner_id=response.json().get("owner_id"))
        if response.status_code in (429, 502, 503, 504):
            return self._retry_or_fail(job, f"leads API answered {response.status_code}")
        return Outcome.failed(job, error=_problem_detail(response))

    def _retry_or_fail(self, job: Job, error: str) -> Outcome:
        if job.attempts >= MAX_ATTEMPTS:
            return Outcome.failed(job, error=f"{error} ({job.attempts} attempts)")
        delay = backoff_delay(job.attempts, base_s=_RETRY_BASE_S, cap_s=_RETRY_CAP_S)
        return Outcome.retry(job, due_at=utcnow() + timedelta(seconds=delay), error=error)

    async def settle(self, outcomes: list[Outcome]) -> None:
        """Finish the jobs and note the final ones on their runs, in one transaction."""
        await self._uow.run(lambda tx: self._record(tx, outcomes))

    async def _record(self, tx: Tx, outcomes: list[Outcome]) -> None:
        for outcome in await self.queue.finish(outcomes, session=tx.session):
            if not outcome.final:
                continue
            job = outcome.job.doc
            result: dict[str, Any] = {
                "type": "assign_owner",
                "status": "done" if outcome.status == "done" else "failed",
                "request_id": job["_id"],
                **outcome.fields,
            }
            await RunRepository(tx.db, job["tenant_id"]).note_result(
                job["run_id"], int(job["action_index"]), result, session=tx.session
            )

    async def stop(self) -> None:
        """Stop the dispatcher, then close the HTTP client."""
        await self.dispatcher.stop()
        await self.api.close()


def _problem_detail(response: httpx.Response) -> str:
    """The problem's detail (or the status) of a refused call."""
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    return f"leads API answered {response.status_code}: {detail or response.reason_phrase}"
