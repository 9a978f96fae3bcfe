"""HTTP routes of the leads CSV: streamed export of a list query, and streamed import."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from crm_shared.csvio import stream_csv
from crm_shared.http.deps import CSV_DOWNLOAD, CSV_UPLOAD, RuntimeDep, csv_body
from crm_shared.import_jobs.http import (
    JOB_RESPONSES,
    ImportJobOut,
    JobId,
    cancel_job,
    read_job,
    start_import,
)
from leads.deps import ImportLeads, ReadLeads, SettingsDep
from leads.imports import service
from leads.imports.csv_format import LEAD_CSV_COLUMNS
from leads.imports.service import LEADS_IMPORT
from leads.leads.schemas import LeadQuery

router = APIRouter(prefix="/v1/leads", tags=["leads"])

Filters = Annotated[LeadQuery, Query()]


@router.get("/export.csv", response_class=StreamingResponse, responses=CSV_DOWNLOAD)
async def export_leads(
    access: ReadLeads, rt: RuntimeDep, settings: SettingsDep, filters: Filters
) -> StreamingResponse:
    """All leads of the current filter as CSV (formula-injection safe), streamed."""
    rows = service.export_rows(rt, access, filters, windowed=settings.list_windowing)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        stream_csv(LEAD_CSV_COLUMNS, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="leads-{stamp}.csv"'},
    )


@router.post("/import", openapi_extra=CSV_UPLOAD, responses=JOB_RESPONSES)
async def import_csv(request: Request, access: ImportLeads, rt: RuntimeDep) -> Any:
    """Import leads from a CSV body (``Content-Type: text/csv``), up to 100k rows, as a
    background job: with ``Prefer: respond-async`` the answer is 202 with the job's URL at
    once; otherwise the report once the job finished (202 if it takes longer).

    Valid rows are kept; the report lists each rejected row with its number and reason,
    and each duplicate (existing e-mail, or repeated in the file) with the lead it matches.
    """
    return await start_import(
        rt.imports,
        LEADS_IMPORT,
        access,
        request,
        csv_body(request),
        jobs_path="/v1/leads/imports",
    )


@router.get("/imports/{job_id}", response_model=ImportJobOut)
async def import_job(job_id: JobId, access: ImportLeads, rt: RuntimeDep) -> dict[str, Any]:
    """A leads import: its status and report so far."""
    return await read_job(rt.imports, LEADS_IMPORT, access, job_id)


@router.delete("/imports/{job_id}", response_model=ImportJobOut)
async def cancel_import(job_id: JobId, access: ImportLeads, rt: RuntimeDep) -> dict[str, Any]:
    """Cancel an import of leads: a queued one never starts, a running one stops before
    its next batch (the rows imported before stay); 409 once it finished."""
    return await cancel_job(rt.imports, LEADS_IMPORT, access, job_id)
