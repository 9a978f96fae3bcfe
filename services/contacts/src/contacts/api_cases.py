"""HTTP routes of cases: open, list (by status, priority, assignee; newest first, SLA
first, or by priority then SLA), edit, status moves, delete."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from contacts import service_cases as service
from contacts.deps import Paging, ResourceId, SettingsDep, created_response, doc_response, list_page
from contacts.repo_cases import CASE_SORTS, CaseRepository
from contacts.schemas import (
    CaseCreate,
    CaseOut,
    CasePage,
    CasePriority,
    CaseStatus,
    CaseStatusChange,
    CaseUpdate,
)
from crm_shared.access import Action
from crm_shared.auth import Access, require
from crm_shared.http.deps import IdempotencyKey, IfMatch, RuntimeDep
from crm_shared.ids import utcnow
from crm_shared.mongo.repository import ListFilter
from crm_shared.ownership import list_owner

router = APIRouter(prefix="/v1/cases", tags=["cases"])

ReadCases = Annotated[Access, require("cases", Action.READ)]
WriteCases = Annotated[Access, require("cases", Action.WRITE)]


class CaseQuery(Paging):
    """List filters (combined with AND), sort and the page window."""

    status: CaseStatus | None = None
    priority: CasePriority | None = None
    assignee_id: str | None = Field(default=None, max_length=64)
    contact_id: str | None = Field(default=None, max_length=64)
    account_id: str | None = Field(default=None, max_length=64)
    sort: Literal["-created_at", "sla_due_at", "priority"] = "-created_at"
    """Newest first, SLA due time soonest first, or most urgent priority first (then SLA)."""

    def to_filter(self, access: Access) -> ListFilter:
        """The repository filter."""
        return ListFilter(
            equals={
                "status": self.status.value if self.status else None,
                "priority": self.priority.value if self.priority else None,
                "assignee_id": list_owner(access, self.assignee_id, "case"),
                "contact_id": self.contact_id,
                "account_id": self.account_id,
            }
        )


@router.post("", status_code=201, response_model=CaseOut)
async def open_case(
    body: CaseCreate, access: WriteCases, rt: RuntimeDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Open a case due by its priority's SLA (publishes CaseOpened)."""
    view, replayed = await service.open_case(rt, access, body, idempotency_key=idempotency_key)
    return created_response(view, replayed, f"/v1/cases/{view['id']}")


@router.get("", response_model=CasePage)
async def list_cases(
    access: ReadCases,
    rt: RuntimeDep,
    settings: SettingsDep,
    filters: Annotated[CaseQuery, Query()],
) -> JSONResponse:
    """A page of cases, newest first, by SLA due time (``sort=sla_due_at``), or most urgent
    priority first and then by SLA due time (``sort=priority``)."""
    repo = CaseRepository(rt.db, access.tenant_id)
    return await list_page(
        repo, filters.to_filter(access), CASE_SORTS[filters.sort], filters, settings
    )


class CaseSummary(BaseModel):
    """Cases not resolved yet, by priority, and how many are past their SLA."""

    open_by_priority: dict[CasePriority, int]
    open_total: int
    overdue: int


@router.get("/summary", response_model=CaseSummary)
async def case_summary(access: ReadCases, rt: RuntimeDep) -> CaseSummary:
    """Open cases (new, open, pending) by priority and overdue: the support dashboard."""
    by_priority, overdue = await CaseRepository(rt.db, access.tenant_id).open_counts(utcnow())
    return CaseSummary(
        open_by_priority={CasePriority(p): n for p, n in by_priority.items()},
        open_total=sum(by_priority.values()),
        overdue=overdue,
    )


@router.get("/{case_id}", response_model=CaseOut)
async def get_case(case_id: ResourceId, access: ReadCases, rt: RuntimeDep) -> JSONResponse:
    """One case, with its ETag."""
    return doc_response(await service.get_case(rt, access, case_id))


@router.patch("/{case_id}", response_model=CaseOut)
async def update_case(
    case_id: ResourceId, body: CaseUpdate, access: WriteCases, rt: RuntimeDep, if_match: IfMatch
) -> JSONResponse:
    """Change subject, description, type, priority (moves the SLA) or assignee."""
    return doc_response(await service.update_case(rt, access, case_id, body, if_match=if_match))


@router.post("/{case_id}/status", response_model=CaseOut)
async def change_status(
    case_id: ResourceId,
    body: CaseStatusChange,
    access: WriteCases,
    rt: RuntimeDep,
    if_match: IfMatch,
) -> JSONResponse:
    """Move the case; illegal moves are 409. Resolving publishes CaseResolved."""
    return doc_response(await service.change_status(rt, access, case_id, body, if_match=if_match))


@router.delete("/{case_id}", status_code=204)
async def delete_case(
    case_id: ResourceId, access: WriteCases, rt: RuntimeDep, if_match: IfMatch
) -> Response:
    """Delete a case."""
    await service.delete_case(rt, access, case_id, if_match=if_match)
    return Response(status_code=204)
