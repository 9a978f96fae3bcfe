"""HTTP routes of deals: CRUD, stage moves, lists and the kanban board."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from crm_shared.http.deps import IdempotencyKey, IfMatch, RuntimeDep
from crm_shared.views import versioned_response
from deals.deals import service
from deals.deals.schemas import DealCreate, DealQuery, DealUpdate, StageChange
from deals.deps import ReadDeals, ResourceId, SettingsDep, WriteDeals

router = APIRouter(prefix="/v1/deals", tags=["deals"])

NO_PIPELINE: dict[int | str, dict[str, Any]] = {404: {"description": "No such pipeline"}}


@router.post("", status_code=201, responses=NO_PIPELINE)
async def create_deal(
    body: DealCreate, access: WriteDeals, rt: RuntimeDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Create an open deal (publishes DealCreated); sales own the deals they create."""
    view, replayed = await service.create_deal(rt, access, body, idempotency_key=idempotency_key)
    headers = {"Location": f"/v1/deals/{view['id']}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return versioned_response(view, status_code=201, headers=headers)


@router.get("")
async def list_deals(
    access: ReadDeals, rt: RuntimeDep, settings: SettingsDep, query: Annotated[DealQuery, Query()]
) -> dict[str, Any]:
    """A page of deals, newest first, with their contacts' names; ``q`` searches names."""
    items, next_cursor = await service.list_deals(
        rt,
        access,
        query,
        max_page_size=settings.max_page_size,
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
    return await service.board(
        rt,
        access,
        pipeline_id,
        per_stage=per_stage or settings.board_deals_per_stage,
        windowed=settings.list_windowing,
    )


@router.get("/{deal_id}")
async def get_deal(deal_id: ResourceId, access: ReadDeals, rt: RuntimeDep) -> JSONResponse:
    """One deal with its ETag."""
    return versioned_response(await service.get_deal(rt, access, deal_id))


@router.patch("/{deal_id}")
async def update_deal(
    deal_id: ResourceId, body: DealUpdate, access: WriteDeals, rt: RuntimeDep, if_match: IfMatch
) -> JSONResponse:
    """Change some fields; ``If-Match`` guards against lost updates (409)."""
    return versioned_response(
        await service.update_deal(rt, access, deal_id, body, if_match=if_match)
    )


@router.delete("/{deal_id}", status_code=204)
async def delete_deal(
    deal_id: ResourceId, access: WriteDeals, rt: RuntimeDep, if_match: IfMatch
) -> Response:
    """Delete a deal (it leaves the reports in the same transaction)."""
    await service.delete_deal(rt, access, deal_id, if_match=if_match)
    return Response(status_code=204)


@router.post("/{deal_id}/stage")
async def move_stage(
    deal_id: ResourceId, body: StageChange, access: WriteDeals, rt: RuntimeDep, if_match: IfMatch
) -> JSONResponse:
    """Move to another stage of the deal's pipeline: closing needs ``lost_reason`` for the
    lost stage; reopening a closed deal is allowed and recorded in the stage history."""
    return versioned_response(
        await service.move_stage(rt, access, deal_id, body, if_match=if_match)
    )
