"""The HTTP side of import jobs: starting one (RFC 7240 ``Prefer``) and reading it.

``POST .../import`` stores the file and queues the job. With ``Prefer: respond-async`` it
answers ``202 Accepted`` at once, with the job's URL in ``Location``; otherwise it waits up
to ``import_wait_s`` and answers the finished import's report (200, or the problem that
stopped it), else 202 like the asynchronous form. ``GET`` on the job's URL tells its
status, its report so far and, once failed, its problem; ``DELETE`` cancels it (the
batches imported before stay).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Annotated, Any, Final

from fastapi import Path, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from crm_shared.auth import Access
from crm_shared.errors import Conflict, NotFound
from crm_shared.import_jobs.runner import ImportRunner
from crm_shared.import_jobs.store import JobProblem, JobStatus

RESPOND_ASYNC: Final = "respond-async"
JobId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class ImportReportOut(BaseModel):
    """What an import did: rows read, leads/contacts/accounts created, rows rejected (with
    row number and reason) and duplicates (with the record they match); at most 1,000 of
    each are listed, the counts are complete."""

    rows: int
    created: int
    failed: int
    duplicates: int
    errors: list[dict[str, Any]]
    duplicate_rows: list[dict[str, Any]]


class ImportJobOut(BaseModel):
    """An import running in the background."""

    id: str
    kind: str
    status: JobStatus
    size_bytes: int
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    created_by: str
    report: ImportReportOut | None = Field(
        default=None, description="The report so far (saved with every batch), or final."
    )
    problem: dict[str, Any] | None = Field(
        default=None, description="Why a failed import stopped (an RFC 9457 problem's members)."
    )


JOB_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {"model": ImportReportOut, "description": "The import finished: its report."},
    202: {
        "model": ImportJobOut,
        "description": "The import is queued or running (asked for with "
        "``Prefer: respond-async``, or it outlasted the wait): poll ``Location``.",
        "headers": {"Location": {"schema": {"type": "string"}, "description": "The job."}},
    },
}


def prefers_async(request: Request) -> bool:
    """Whether the request's ``Prefer`` header asks for ``respond-async`` (RFC 7240)."""
    preferences = ",".join(request.headers.getlist("prefer"))
    return any(
        part.split(";")[0].strip().lower() == RESPOND_ASYNC for part in preferences.split(",")
    )


def job_view(job: Mapping[str, Any]) -> dict[str, Any]:
    """The public form of an import job."""
    report = job.get("report")
    return {
        "id": job["_id"],
        "kind": job["kind"],
        "status": job["status"],
        "size_bytes": job["size_bytes"],
        "created_at": job["created_at"],
        "started_at": job.get("started_at"),
        "finished_at": job.get("finished_at"),
        "created_by": job["principal"]["sub"],
        "report": report,
        "problem": job.get("problem"),
    }


async def start_import(
    runner: ImportRunner,
    kind: str,
    access: Access,
    request: Request,
    body: AsyncIterator[bytes],
    *,
    jobs_path: str,
) -> Any:
    """Queue an import of ``body``; the report, or 202 with the job (see the module)."""
    job = await runner.submit(kind, access, body)
    asynchronous = prefers_async(request)
    if not asynchronous:
        job = await runner.wait(job)
        if job["status"] == JobStatus.SUCCEEDED:
            return job["report"]
        if job["status"] == JobStatus.FAILED:
            raise JobProblem(job["problem"])
    location = f"{jobs_path}/{job['_id']}"
    headers = {"Location": location}
    if asynchronous:
        headers["Preference-Applied"] = RESPOND_ASYNC
    view = jsonable_encoder(job_view(job))
    return JSONResponse(view, status_code=202, headers=headers)


async def cancel_job(
    runner: ImportRunner, kind: str, access: Access, job_id: str
) -> dict[str, Any]:
    """Cancel an import job of ``kind`` of the caller's tenant (again: the same answer):
    404 if there is none, 409 if it succeeded or failed already."""
    job = await runner.store.get(access.tenant_id, job_id)
    if job is None or job["kind"] != kind:
        raise NotFound(f"no import job {job_id}")
    job = await runner.store.cancel(access.tenant_id, job_id) or job
    if job["status"] != JobStatus.CANCELLED:
        raise Conflict(f"import job {job_id} has {job['status']} already")
    return job_view(job)


async def read_job(runner: ImportRunner, kind: str, access: Access, job_id: str) -> dict[str, Any]:
    """An import job of ``kind`` of the caller's tenant, or 404."""
    job = await runner.store.get(access.tenant_id, job_id)
    if job is None or job["kind"] != kind:
        raise NotFound(f"no import job {job_id}")
    return job_view(job)
