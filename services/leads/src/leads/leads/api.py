"""HTTP routes of the leads service: parse, call a use case, shape the response."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from crm_shared.access import Action
from crm_shared.auth import Access, require
from crm_shared.csvio import stream_csv
from crm_shared.errors import BadRequest
from crm_shared.http.deps import (
    CSV_DOWNLOAD,
    CSV_UPLOAD,
    IdempotencyKey,
    IfMatch,
    RuntimeDep,
    csv_body,
    get_service_settings,
)
from crm_shared.ids import as_utc
from crm_shared.mongo.pagination import fingerprint
from crm_shared.ownership import list_owner
from crm_shared.views import versioned_response
from leads import service
from leads.csv_format import LEAD_CSV_COLUMNS, lead_to_csv_row
from leads.importer import import_leads
from leads.repository import SORTS, LeadFilter, LeadRepository
from leads.schemas import (
    AssignRequest,
    ConvertRequest,
    LeadCreate,
    LeadOut,
    LeadPage,
    LeadSource,
    LeadStatus,
    LeadUpdate,
    MergeRequest,
    Rating,
    ScoreExplanation,
    ScoringConfig,
    StatusChange,
)
from leads.settings import LeadsSettings
from leads.views import lead_view

router = APIRouter(prefix="/v1/leads", tags=["leads"])
config_router = APIRouter(prefix="/v1/leads/config", tags=["lead configuration"])

ReadLeads = Annotated[Access, require("leads", Action.READ)]
WriteLeads = Annotated[Access, require("leads", Action.WRITE)]
ImportLeads = Annotated[Access, require("leads", Action.IMPORT)]
ReadScoring = Annotated[Access, require("scoring_rules", Action.READ)]
WriteScoring = Annotated[Access, require("scoring_rules", Action.WRITE)]
LeadId = Annotated[str, Path(max_length=64, description="Lead id, e.g. lead_01JD...")]
SortName = Literal["-created_at", "created_at", "-updated_at", "-score", "score", "name"]


SettingsDep = Annotated[LeadsSettings, Depends(get_service_settings)]


def lead_response(doc: dict[str, Any]) -> JSONResponse:
    """A lead body with its ETag."""
    return versioned_response(lead_view(doc))


class LeadQuery(BaseModel):
    """List and export filters."""

    model_config = ConfigDict(extra="forbid")

    status: LeadStatus | None = None
    rating: Rating | None = None
    owner_id: str | None = Field(default=None, max_length=64)
    source: LeadSource | None = None
    tag: str | None = Field(default=None, max_length=50)
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = Field(default=None, max_length=100)
    sort: SortName = "-created_at"

    def to_filter(self, access: Access) -> LeadFilter:
        """The repository filter, restricted to own leads for own-scope callers."""
        owner = list_owner(access, self.owner_id, "lead")
        return LeadFilter(
            status=self.status.value if self.status else None,
            rating=self.rating.value if self.rating else None,
            owner_id=owner,
            source=self.source.value if self.source else None,
            tag=self.tag.lower() if self.tag else None,
            created_from=as_utc(self.created_from),
            created_to=as_utc(self.created_to),
            q=self.q.strip() or None if self.q else None,
        )


class LeadListQuery(LeadQuery):
    """List filters plus the page window."""

    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=1024)


Filters = Annotated[LeadQuery, Query()]
ListFilters = Annotated[LeadListQuery, Query()]


# --- configuration (declared before /{lead_id} routes) -------------------------------


class AssignmentConfig(BaseModel):
    """Round-robin owners and whether new unowned leads are assigned automatically."""

    model_config = ConfigDict(extra="forbid")

    round_robin_owners: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=200
    )
    auto_assign: bool = False


@config_router.get("/scoring", response_model=ScoringConfig)
async def get_scoring(access: ReadScoring, rt: RuntimeDep) -> dict[str, Any]:
    """The tenant's scoring rules and rating thresholds."""
    scoring, _ = service.scoring_of(await LeadRepository(rt.db, access.tenant_id).config())
    return scoring.model_dump(mode="json")


@config_router.put("/scoring", response_model=ScoringConfig)
async def put_scoring(
    body: ScoringConfig, access: WriteScoring, rt: RuntimeDep, request: Request
) -> dict[str, Any]:
    """Replace the scoring rules; existing leads are rescored in the background."""
    rules = [
        rule if rule.id else rule.model_copy(update={"id": f"rule_{i + 1}"})
        for i, rule in enumerate(body.rules)
    ]
    scoring = body.model_copy(update={"rules": rules})
    await LeadRepository(rt.db, access.tenant_id).set_config(
        {"scoring": scoring.model_dump(mode="json")}, inc_scoring=True
    )
    request.app.state.rescorer.schedule(access.tenant_id)
    return scoring.model_dump(mode="json")


@config_router.get("/assignment", response_model=AssignmentConfig)
async def get_assignment(access: ReadScoring, rt: RuntimeDep) -> AssignmentConfig:
    """Round-robin assignment settings."""
    config = await LeadRepository(rt.db, access.tenant_id).config()
    return AssignmentConfig(
        round_robin_owners=config.get("round_robin_owners", []),
        auto_assign=config.get("auto_assign", False),
    )


@config_router.put("/assignment", response_model=AssignmentConfig)
async def put_assignment(
    body: AssignmentConfig, access: WriteScoring, rt: RuntimeDep
) -> AssignmentConfig:
    """Set round-robin owners and auto-assignment."""
    await LeadRepository(rt.db, access.tenant_id).set_config(body.model_dump())
    return body


# --- leads ---------------------------------------------------------------------------


@router.post("", status_code=201, response_model=LeadOut)
async def create_lead(
    body: LeadCreate, access: WriteLeads, rt: RuntimeDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Create a lead. Scored on creation; 409 if the e-mail already has a lead."""
    view, replayed = await service.create_lead(rt, access, body, idempotency_key=idempotency_key)
    headers = {"Location": f"/v1/leads/{view['id']}", "ETag": f'"{view["version"]}"'}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(view, status_code=201, headers=headers)


@router.get("", response_model=LeadPage)
async def list_leads(
    access: ReadLeads,
    rt: RuntimeDep,
    settings: SettingsDep,
    filters: ListFilters,
) -> JSONResponse:
    """A page of leads: filters, search ``q`` (word prefixes, accent-insensitive), sort."""
    lead_filter = filters.to_filter(access)
    docs, next_cursor = await LeadRepository(rt.db, access.tenant_id).page(
        lead_filter,
        SORTS[filters.sort],
        limit=min(filters.limit, settings.max_page_size),
        cursor=filters.cursor,
        query_fingerprint=fingerprint(access.tenant_id, lead_filter, filters.sort),
        windowed=settings.list_windowing,
    )
    return JSONResponse({"items": [lead_view(d) for d in docs], "next_cursor": next_cursor})


class LeadSummary(BaseModel):
    """New leads of a period by their current rating."""

    start: datetime
    end: datetime
    new_leads: int
    by_rating: dict[str, int]


@router.get("/summary", response_model=LeadSummary)
async def lead_summary(
    access: ReadLeads,
    rt: RuntimeDep,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
) -> LeadSummary:
    """Leads created from ``from`` (default: the start of this month, UTC) until ``to``
    (default: now), by rating; a sales user counts only their own leads."""
    now = datetime.now(UTC)
    start = as_utc(start) or now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = as_utc(end) or now
    if end <= start:
        raise BadRequest("`to` must be after `from`")
    owner = access.principal.sub if access.own_only else None
    counts = await LeadRepository(rt.db, access.tenant_id).created_by_rating(start, end, owner)
    return LeadSummary(start=start, end=end, new_leads=sum(counts.values()), by_rating=counts)


@router.get("/export.csv", response_class=StreamingResponse, responses=CSV_DOWNLOAD)
async def export_leads(
    access: ReadLeads, rt: RuntimeDep, settings: SettingsDep, filters: Filters
) -> StreamingResponse:
    """All leads of the current filter as CSV (formula-injection safe), streamed."""
    lead_filter = filters.to_filter(access)
    repo = LeadRepository(rt.db, access.tenant_id)
    docs = repo.iterate(lead_filter, SORTS[filters.sort], windowed=settings.list_windowing)

    async def rows() -> AsyncIterator[list[object]]:
        async for doc in docs:
            yield lead_to_csv_row(doc)

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        stream_csv(LEAD_CSV_COLUMNS, rows()),
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
    report = await import_leads(
        rt,
        access,
        csv_body(request),
        max_rows=settings.import_max_rows,
        batch_size=settings.import_batch_size,
    )
    return report.as_dict()


@router.get("/{lead_id}", response_model=LeadOut)
async def get_lead(lead_id: LeadId, access: ReadLeads, rt: RuntimeDep) -> JSONResponse:
    """One lead, with its ETag."""
    return lead_response(await service.get_lead(rt, access, lead_id))


@router.get("/{lead_id}/score", response_model=ScoreExplanation)
async def explain_score(lead_id: LeadId, access: ReadLeads, rt: RuntimeDep) -> ScoreExplanation:
    """Why the lead has its score and rating: the scoring rules that fired (with their
    points) and the tenant's rating thresholds."""
    return await service.explain_score(rt, access, lead_id)


@router.patch("/{lead_id}", response_model=LeadOut)
async def update_lead(
    lead_id: LeadId, body: LeadUpdate, access: WriteLeads, rt: RuntimeDep, if_match: IfMatch
) -> JSONResponse:
    """Change some fields; rescored. ``If-Match`` guards against lost updates (409)."""
    return lead_response(await service.update_lead(rt, access, lead_id, body, if_match=if_match))


@router.delete("/{lead_id}", status_code=204)
async def delete_lead(
    lead_id: LeadId, access: WriteLeads, rt: RuntimeDep, if_match: IfMatch
) -> Response:
    """Delete a lead (publishes LeadDeleted)."""
    await service.delete_lead(rt, access, lead_id, if_match=if_match)
    return Response(status_code=204)


@router.post("/{lead_id}/status", response_model=LeadOut)
async def change_status(
    lead_id: LeadId, body: StatusChange, access: WriteLeads, rt: RuntimeDep, if_match: IfMatch
) -> JSONResponse:
    """Move the lead to another status; illegal moves are 409, unqualified needs a reason."""
    return lead_response(await service.change_status(rt, access, lead_id, body, if_match=if_match))


@router.post("/{lead_id}/assign", response_model=LeadOut)
async def assign_lead(
    lead_id: LeadId, body: AssignRequest, access: WriteLeads, rt: RuntimeDep
) -> JSONResponse:
    """Assign to an owner, or round-robin over the configured owners."""
    return lead_response(await service.assign_lead(rt, access, lead_id, body))


@router.post("/{lead_id}/convert", response_model=LeadOut)
async def convert_lead(
    lead_id: LeadId, body: ConvertRequest, access: WriteLeads, rt: RuntimeDep
) -> JSONResponse:
    """Convert into contact (+ account, + optional deal) via LeadConverted; twice is 409."""
    return lead_response(await service.convert_lead(rt, access, lead_id, body))


@router.post("/{lead_id}/merge", response_model=LeadOut)
async def merge_lead(
    lead_id: LeadId, body: MergeRequest, access: WriteLeads, rt: RuntimeDep
) -> JSONResponse:
    """Merge ``source_lead_id`` into this lead; the source is deleted."""
    return lead_response(await service.merge_leads(rt, access, lead_id, body.source_lead_id))
