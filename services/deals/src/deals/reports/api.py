"""HTTP routes of reports (from the read models) and their rebuild."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from crm_shared.http.deps import RuntimeDep
from deals.deps import OwnerQuery, ReadReports, ReadTargets, SettingsDep
from deals.reports import service
from deals.reports.domain import MONTH_PATTERN

router = APIRouter(prefix="/v1/reports", tags=["reports"])

Month = Annotated[str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM")]
RequiredMonth = Annotated[str, Query(pattern=MONTH_PATTERN, description="YYYY-MM")]


@router.get("/pipeline")
async def pipeline_report(
    access: ReadReports,
    rt: RuntimeDep,
    pipeline_id: OwnerQuery = None,
    owner_id: OwnerQuery = None,
) -> dict[str, Any]:
    """Count, amount and weighted amount per stage, per pipeline and currency."""
    return await service.pipeline_report(rt, access, pipeline_id=pipeline_id, owner_id=owner_id)


@router.get("/forecast")
async def forecast_report(
    access: ReadReports,
    rt: RuntimeDep,
    month_from: Annotated[Month, Query(alias="from")] = None,
    month_to: Annotated[Month, Query(alias="to")] = None,
    owner_id: OwnerQuery = None,
) -> dict[str, Any]:
    """Open deals by expected close month: best case and weighted, per owner."""
    return await service.forecast_report(
        rt, access, month_from=month_from, month_to=month_to, owner_id=owner_id
    )


@router.get("/win-loss")
async def win_loss_report(
    access: ReadReports,
    rt: RuntimeDep,
    month_from: Annotated[Month, Query(alias="from")] = None,
    month_to: Annotated[Month, Query(alias="to")] = None,
    owner_id: OwnerQuery = None,
) -> dict[str, Any]:
    """Win rate, average cycle days and lost reasons of deals closed in the period."""
    return await service.win_loss_report(
        rt, access, month_from=month_from, month_to=month_to, owner_id=owner_id
    )


@router.get("/targets")
async def targets_report(
    access: ReadTargets,
    rt: RuntimeDep,
    month_from: Annotated[RequiredMonth, Query(alias="from")],
    month_to: Annotated[RequiredMonth, Query(alias="to")],
    owner_id: OwnerQuery = None,
) -> dict[str, Any]:
    """Won amount against target, per owner and period (months and whole quarters)."""
    return await service.targets_report(
        rt, access, month_from=month_from, month_to=month_to, owner_id=owner_id
    )


@router.post("/rebuild")
async def rebuild(access: ReadReports, rt: RuntimeDep, settings: SettingsDep) -> dict[str, Any]:
    """Recompute the tenant's report read models from its deals (admins only)."""
    result = await service.rebuild(rt, access, batch_size=settings.rebuild_batch_size)
    return {"deals": result.deals, "buckets": result.buckets}
