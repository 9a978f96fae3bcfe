"""Reports served from the read models: a report costs the number of buckets, not deals.

Own-scope callers (sales) see their own buckets only. The rebuild recomputes the read
models from the deals (admins only).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from crm_shared.auth import Access
from crm_shared.errors import Forbidden, Unprocessable
from crm_shared.ids import utcnow
from crm_shared.ownership import list_owner
from crm_shared.runtime import Runtime
from deals.pipelines.domain import DomainError
from deals.pipelines.repository import PipelineRepository, stages_of
from deals.pipelines.service import problem
from deals.reports.domain import ReportKind, Tally, WinLoss, months_between, trailing_months
from deals.reports.rebuild import RebuildResult, rebuild_reports
from deals.reports.repository import ReportRepository
from deals.reports.views import money, tally_view
from deals.targets.domain import attainment, period_months, periods_within
from deals.targets.repository import TargetRepository

WIN_LOSS_DEFAULT_MONTHS = 12
"""The period of a win/loss report that names none."""

Body = dict[str, Any]


def owner_scope(access: Access, owner_id: str | None) -> str | None:
    """The owner a report is restricted to: the caller itself for own-scope callers."""
    return list_owner(access, owner_id, "figure")


def _months(month_from: str | None, month_to: str | None) -> list[str] | None:
    if month_from is None and month_to is None:
        return None
    if month_from is None or month_to is None:
        raise Unprocessable("give both from and to (YYYY-MM)")
    try:
        return months_between(month_from, month_to)
    except DomainError as exc:
        raise problem(exc) from exc


def _by_currency(tallies: dict[str, Tally]) -> list[Body]:
    return [{"currency": cur, **tally_view(t)} for cur, t in sorted(tallies.items())]


def _add(target: dict[str, Tally], currency: str, tally: Tally) -> None:
    target[currency] = target.get(currency, Tally()) + tally


async def pipeline_report(
    rt: Runtime, access: Access, *, pipeline_id: str | None, owner_id: str | None
) -> Body:
    """Count, amount and weighted amount per stage, per pipeline and currency."""
    tenant = access.tenant_id
    buckets = await ReportRepository(rt.db, tenant).read(
        ReportKind.PIPELINE, owner_id=owner_scope(access, owner_id)
    )
    per_stage: dict[tuple[str, str], dict[str, Tally]] = defaultdict(dict)
    for key, tally in buckets.items():
        _add(per_stage[(key.pipeline_id or "", key.stage or "")], key.currency, tally)
    pipelines = await PipelineRepository(rt.db, tenant).names()
    out = []
    for pid, pipeline in pipelines.items():
        if pipeline_id not in (None, pid):
            continue
        totals: dict[str, Tally] = {}
        stages = []
        for stage in stages_of(pipeline):
            cell = per_stage.get((pid, stage.id), {})
            for currency, tally in cell.items():
                _add(totals, currency, tally)
            stages.append({**stage.as_dict(), "totals": _by_currency(cell)})
        out.append(
            {
                "pipeline_id": pid,
                "name": pipeline["name"],
                "stages": stages,
                "totals": _by_currency(totals),
            }
        )
    return {"pipelines": out}


async def forecast_report(
    rt: Runtime,
    access: Access,
    *,
    month_from: str | None,
    month_to: str | None,
    owner_id: str | None,
) -> Body:
    """Open deals by expected close month: best case (amount) and weighted, per owner.

    Without a period every month is shown, and deals without a close date as month null.
    """
    months = _months(month_from, month_to)
    buckets = await ReportRepository(rt.db, access.tenant_id).read(
        ReportKind.FORECAST, owner_id=owner_scope(access, owner_id), months=months
    )
    rows: dict[str | None, list[tuple[str | None, str, Tally]]] = defaultdict(list)
    for key, tally in buckets.items():
        if months is None or key.month in months:
            rows[key.month].append((key.owner_id, key.currency, tally))
    out = []
    for month in sorted(rows, key=lambda m: (m is None, m or "")):
        totals: dict[str, Tally] = {}
        owners = []
        for owner, currency, tally in sorted(rows[month], key=lambda r: (r[0] or "", r[1])):
            _add(totals, currency, tally)
            owners.append({"owner_id": owner, "currency": currency, **_forecast(tally)})
        out.append(
            {
                "month": month,
                "totals": [{"currency": c, **_forecast(t)} for c, t in sorted(totals.items())],
                "owners": owners,
            }
        )
    return {"months": out}


def _forecast(tally: Tally) -> Body:
    return {
        "count": tally.count,
        "best_case": money(tally.amount),
        "weighted": money(tally.weighted),
    }


def _win_loss_view(figures: WinLoss) -> Body:
    return {
        "won": figures.won,
        "lost": figures.lost,
        "win_rate": figures.win_rate,
        "average_cycle_days": figures.average_cycle_days,
        "won_amount": [
            {"currency": c, "amount": money(a)} for c, a in sorted(figures.won_amount.items())
        ],
    }


async def win_loss_report(
    rt: Runtime,
    access: Access,
    *,
    month_from: str | None,
    month_to: str | None,
    owner_id: str | None,
) -> Body:
    """Win rate, average sales cycle (days from creation to close), won amounts and lost
    reasons of the deals closed in the period (by close month, UTC; the last 12 months
    unless ``from``/``to`` are given), overall and per owner."""
    months = _months(month_from, month_to) or trailing_months(utcnow(), WIN_LOSS_DEFAULT_MONTHS)
    buckets = await ReportRepository(rt.db, access.tenant_id).read(
        ReportKind.WIN_LOSS, owner_id=owner_scope(access, owner_id), months=months
    )
    overall = WinLoss()
    owners: dict[str | None, WinLoss] = defaultdict(WinLoss)
    for key, tally in buckets.items():
        if key.month in months:
            overall.add(key, tally)
            owners[key.owner_id].add(key, tally)
    reasons = sorted(overall.lost_reasons.items(), key=lambda r: (-r[1], r[0]))
    return {
        **_win_loss_view(overall),
        "lost_reasons": [{"reason": r, "count": n} for r, n in reasons],
        "owners": [
            {"owner_id": owner, **_win_loss_view(figures)}
            for owner, figures in sorted(owners.items(), key=lambda o: o[0] or "")
        ],
    }


async def targets_report(
    rt: Runtime, access: Access, *, month_from: str, month_to: str, owner_id: str | None
) -> Body:
    """Each target whose period (month or whole quarter) lies in the range, against the amount
    its owner won in that period in the target's currency."""
    months = _months(month_from, month_to)
    assert months is not None
    owner = owner_scope(access, owner_id)
    targets = await TargetRepository(rt.db, access.tenant_id).in_periods(
        periods_within(months), owner
    )
    buckets = await ReportRepository(rt.db, access.tenant_id).read(
        ReportKind.WIN_LOSS, owner_id=owner
    )
    won: dict[tuple[str | None, str, str], Decimal] = defaultdict(Decimal)
    for key, tally in buckets.items():
        if key.month is not None:  # closed buckets' amount is what was won
            won[(key.owner_id, key.month, key.currency)] += tally.amount
    rows = []
    for target in targets:
        amount = target["amount"].to_decimal()
        achieved = sum(
            (
                won[(target["owner_id"], m, target["currency"])]
                for m in period_months(target["period"])
            ),
            Decimal(0),
        )
        rows.append(
            {
                "owner_id": target["owner_id"],
                "period": target["period"],
                "currency": target["currency"],
                "target": money(amount),
                "won": money(achieved),
                "attainment": attainment(achieved, amount),
            }
        )
    return {"targets": rows}


async def rebuild(rt: Runtime, access: Access, *, batch_size: int) -> RebuildResult:
    """Recompute the tenant's report read models from its deals (admins only)."""
    if "admin" not in access.principal.roles:
        raise Forbidden("only admins may rebuild reports")
    return await rebuild_reports(rt.db, access.tenant_id, batch_size=batch_size)
