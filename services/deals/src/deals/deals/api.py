"""HTTP routes of deals: CRUD, stage moves, lists and the kanban board."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from crm_shared.auth import Access
from crm_shared.errors import Unprocessable
from crm_shared.http.deps import IdempotencyKey, IfMatch, RuntimeDep
from crm_shared.ownership import list_owner
from crm_shared.views import versioned_response
from deals import deal_service
from deals.deal_repository import DealFilter
from deals.deps import ReadDeals, ResourceId, SettingsDep, WriteDeals
from deals.domain import StageKind
from deals.schemas import DealCreate, DealUpdate, Reason, StageChange, StageId

router = APIRouter(prefix="/v1/deals", tags=["deals"])
OptQueryId = Annotated[str | None, Field(default=None, min_length=1, max_length=64)]

NO_PIPELINE: dict[int | str, dict[str, Any]] = {404: {"description": "No such pipeline"}}


class DealQuery(BaseModel):
    """List filters and the page window."""

    model_config = ConfigDict(extra="forbid")

    pipeline_id: OptQueryId = None
    stage: StageId | None = None
    owner_id: OptQueryId = None
    account_id: OptQueryId = None
    contact_id: OptQueryId = None
    status: StageKind | None = None
    lost_reason: Reason = None
    q: str | None = Field(default=None, max_length=100)
    close_from: date | None = None
    close_to: date | None = None
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=1024)

    def to_filter(self, access: Access) -> DealFilter:
        """The repository filter, restricted to own deals for own-scope callers."""
        owner = list_owner(access, self.owner_id, "deal")
        if self.stage is not None and self.pipeline_id is None:
            raise Unprocessable("stage ids belong to a pipeline: give pipeline_id with stage")
        return DealFilter(
            pipeline_id=self.pipeline_id,
            stage=self.stage,
            owner_id=owner,
            account_id=self.account_id,
            contact_id=self.contact_id,
            status=self.status.value if self.status else None,
            lost_reason=self.lost_reason.strip() if self.lost_reason else None,
            q=self.q.strip() or None if self.q else None,
            close_from=self.close_from,
            close_to=self.close_to,
        )


@router.post("", status_code=201, responses=NO_PIPELINE)
async def create_deal(
    body: DealCreate, access: WriteDeals, rt: RuntimeDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Create an open deal (publishes DealCreated); sales own the deals they create."""
    view, replayed = await deal_service.create_deal(
        rt, access, body, idempotency_key=idempotency_key
    )
    headers = {"Location": f"/v1/deals/{view['id']}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return versioned_response(view, status_code=201, headers=headers)


@router.get("")
async def list_deals(
    access: ReadDeals, rt: RuntimeDep, settings: SettingsDep, query: Annotated[DealQuery, Query()]
) -> dict[str, Any]:
    """A page of deals, newest first, with their contacts' names; ``q`` searches names."""
    items, next_cursor = await deal_service.list_deals(
        rt,
        access,
        query.to_filter(access),
        limit=min(query.limit, settings.max_page_size),
        cursor=query.cursor,
        windowed=settings.list_windowing,
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get("/board", responses=NO_PIPELINE)
async def deal_board(
    access: ReadDeals,
    rt: RuntimeDep,
    settings: SettingsDep,
    pipeline_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    per_stage: Annotated[int | None, Query(ge=1, le=100)] = None,
) -> dict[str, Any]:
    """Stages in order with totals and their newest deals; each column's ``next_cursor``
    continues at ``GET /v1/deals?pipeline_id=&stage=&cursor=``."""
    return await deal_service.board(
        rt,
        access,
        pipeline_id,
        per_stage=per_stage or settings.board_deals_per_stage,
        windowed=settings.list_windowing,
    )


@router.get("/{deal_id}")
async def get_deal(deal_id: ResourceId, access: ReadDeals, rt: RuntimeDep) -> JSONResponse:
    """One deal with its ETag."""
    return versioned_response(await deal_service.get_deal(rt, access, deal_id))


@router.patch("/{deal_id}")
async def update_deal(
    deal_id: ResourceId, body: DealUpdate, access: WriteDeals, rt: RuntimeDep, if_match: IfMatch
) -> JSONResponse:
    """Change some fields; ``If-Match`` guards against lost updates (409)."""
    return versioned_response(
        await deal_service.update_deal(rt, access, deal_id, body, if_match=if_match)
    )


@router.delete("/{deal_id}", status_code=204)
async def delete_deal(
    deal_id: ResourceId, access: WriteDeals, rt: RuntimeDep, if_match: IfMatch
) -> Response:
    """Delete a deal (it leaves the reports in the same transaction)."""
    await deal_service.delete_deal(rt, access, deal_id, if_match=if_match)
    return Response(status_code=204)


@router.post("/{deal_id}/stage")
async def move_stage(
    deal_id: ResourceId, body: StageChange, access: WriteDeals, rt: RuntimeDep, if_match: IfMatch
) -> JSONResponse:
    """Move to another stage of the deal's pipeline: closing needs ``lost_reason`` for the
    lost stage; reopening a closed deal is allowed and recorded in the stage history."""
    return versioned_response(
        await deal_service.move_stage(rt, access, deal_id, body, if_match=if_match)
    )
