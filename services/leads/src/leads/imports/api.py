"""HTTP routes of the leads CSV: streamed export of a list query, and streamed import."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from crm_shared.csvio import stream_csv
from crm_shared.http.deps import CSV_DOWNLOAD, CSV_UPLOAD, RuntimeDep, csv_body
from leads.deps import ImportLeads, ReadLeads, SettingsDep
from leads.imports import service
from leads.imports.csv_format import LEAD_CSV_COLUMNS
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


@router.post("/import", openapi_extra=CSV_UPLOAD)
async def import_csv(
    request: Request, access: ImportLeads, rt: RuntimeDep, settings: SettingsDep
) -> dict[str, Any]:
    """Import leads from a CSV body (``Content-Type: text/csv``), streamed, up to 100k rows.

    Valid rows are kept; the report lists each rejected row with its number and reason,
    and each duplicate (existing e-mail, or repeated in the file) with the lead it matches.
    """
    report = await service.import_leads(
        rt,
        access,
        csv_body(request),
        max_rows=settings.import_max_rows,
        batch_size=settings.import_batch_size,
    )
    return report.as_dict()
