"""HTTP routes of sales targets (the targets report is a route of reports)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from crm_shared.http.deps import RuntimeDep
from deals.deps import OwnerQuery, ReadTargets, ResourceId, WriteTargets
from deals.targets import service
from deals.targets.domain import PERIOD_PATTERN
from deals.targets.schemas import TargetIn

router = APIRouter(prefix="/v1/targets", tags=["targets"])

Period = Annotated[str, Path(pattern=PERIOD_PATTERN, description="YYYY-MM or YYYY-Qn")]


@router.get("")
async def list_targets(
    access: ReadTargets,
    rt: RuntimeDep,
    owner_id: OwnerQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
) -> dict[str, Any]:
    """Targets by period then owner (sales see their own)."""
    items, next_cursor = await service.list_targets(
        rt, access, owner_id, limit=limit, cursor=cursor
    )
    return {"items": items, "next_cursor": next_cursor}


@router.put("/{owner_id}/{period}")
async def put_target(
    owner_id: ResourceId, period: Period, body: TargetIn, access: WriteTargets, rt: RuntimeDep
) -> dict[str, Any]:
    """Set the amount ``owner_id`` should win in ``period`` (a month or a quarter)."""
    return await service.put_target(rt, access, owner_id, period, body)


@router.delete("/{owner_id}/{period}", status_code=204)
async def delete_target(
    owner_id: ResourceId, period: Period, access: WriteTargets, rt: RuntimeDep
) -> Response:
    """Remove a target."""
    await service.delete_target(rt, access, owner_id, period)
    return Response(status_code=204)
