"""HTTP routes of reports (from the read models), their rebuild, and sales targets."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from crm_shared.errors import Forbidden, NotFound
from crm_shared.http.deps import RuntimeDep
from crm_shared.mongo.pagination import fingerprint
from crm_shared.views import to_json
from deals import report_service
from deals.deps import ReadReports, ReadTargets, ResourceId, SettingsDep, WriteTargets
from deals.domain import MONTH_PATTERN, PERIOD_PATTERN
from deals.rebuild import rebuild_reports
from deals.report_repository import TargetRepository
from deals.report_service import owner_scope
from deals.schemas import TargetIn

reports = APIRouter(prefix="/v1/reports", tags=["reports"])
targets = APIRouter(prefix="/v1/targets", tags=["targets"])

Month = Annotated[str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM")]
RequiredMonth = Annotated[str, Query(pattern=MONTH_PATTERN, description="YYYY-MM")]
OwnerQuery = Annotated[str | None, Query(min_length=1, max_length=64)]
Period = Annotated[str, Path(pattern=PERIOD_PATTERN, description="YYYY-MM or YYYY-Qn")]


@reports.get("/pipeline")
async def pipeline_report(
    access: ReadReports,
    rt: RuntimeDep,
    pipeline_id: OwnerQuery = None,
    owner_id: OwnerQuery = None,
) -> dict[str, Any]:
    """Count, amount and weighted amount per stage, per pipeline and currency."""
    return await report_service.pipeline_report(
        rt, access, pipeline_id=pipeline_id, owner_id=owner_id
    )


@reports.get("/forecast")
async def forecast_report(
    access: ReadReports,
    rt: RuntimeDep,
    month_from: Annotated[Month, Query(alias="from")] = None,
    month_to: Annotated[Month, Query(alias="to")] = None,
    owner_id: OwnerQuery = None,
) -> dict[str, Any]:
    """Open deals by expected close month: best case and weighted, per owner."""
    return await report_service.forecast_report(
        rt, access, month_from=month_from, month_to=month_to, owner_id=owner_id
    )


@reports.get("/win-loss")
async def win_loss_report(
    access: ReadReports,
    rt: RuntimeDep,
    month_from: Annotated[Month, Query(alias="from")] = None,
    month_to: Annotated[Month, Query(alias="to")] = None,
    owner_id: OwnerQuery = None,
) -> dict[str, Any]:
    """Win rate, average cycle days and lost reasons of deals closed in the period."""
    return await report_service.win_loss_report(
        rt, access, month_from=month_from, month_to=month_to, owner_id=owner_id
    )


@reports.get("/targets")
async def targets_report(
    access: ReadTargets,
    rt: RuntimeDep,
    month_from: Annotated[RequiredMonth, Query(alias="from")],
    month_to: Annotated[RequiredMonth, Query(alias="to")],
    owner_id: OwnerQuery = None,
) -> dict[str, Any]:
    """Won amount against target, per owner and period (months and whole quarters)."""
    return await report_service.targets_report(
        rt, access, month_from=month_from, month_to=month_to, owner_id=owner_id
    )


@reports.post("/rebuild")
async def rebuild(access: ReadReports, rt: RuntimeDep, settings: SettingsDep) -> dict[str, Any]:
    """Recompute the tenant's report read models from its deals (admins only)."""
    if "admin" not in access.principal.roles:
        raise Forbidden("only admins may rebuild reports")
    result = await rebuild_reports(rt.db, access.tenant_id, batch_size=settings.rebuild_batch_size)
    return {"deals": result.deals, "buckets": result.buckets}


@targets.get("")
async def list_targets(
    access: ReadTargets,
    rt: RuntimeDep,
    owner_id: OwnerQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
) -> dict[str, Any]:
    """Targets by period then owner (sales see their own)."""
    owner = owner_scope(access, owner_id)
    query = {"owner_id": owner} if owner else {}
    docs, next_cursor = await TargetRepository(rt.db, access.tenant_id).page(
        query, limit=limit, cursor=cursor, query_fingerprint=fingerprint(access.tenant_id, query)
    )
    return {"items": [_target_view(d) for d in docs], "next_cursor": next_cursor}


@targets.put("/{owner_id}/{period}")
async def put_target(
    owner_id: ResourceId, period: Period, body: TargetIn, access: WriteTargets, rt: RuntimeDep
) -> dict[str, Any]:
    """Set the amount ``owner_id`` should win in ``period`` (a month or a quarter)."""
    doc = await TargetRepository(rt.db, access.tenant_id).put(
        owner_id, period, body.amount, body.currency
    )
    return _target_view(doc)


@targets.delete("/{owner_id}/{period}", status_code=204)
async def delete_target(
    owner_id: ResourceId, period: Period, access: WriteTargets, rt: RuntimeDep
) -> Response:
    """Remove a target."""
    if not await TargetRepository(rt.db, access.tenant_id).delete(owner_id, period):
        raise NotFound(f"no target for {owner_id} in {period}")
    return Response(status_code=204)


def _target_view(doc: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = to_json({k: v for k, v in doc.items() if k != "_id"})
    return body
