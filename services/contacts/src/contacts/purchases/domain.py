"""Purchase and RFM rules: a contact's stats from its closed deals, the stage they imply,
quintile breakpoints, RFM scores and segments, historical CLV. Nothing here does I/O."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from contacts.contacts.domain import LifecycleStage

# --------------------------------------------------------------------------- purchase stats


@dataclass(frozen=True)
class DealOutcome:
    """One closed deal of a contact (won purchases count; lost ones only as a number)."""

    won: bool
    amount: Decimal
    currency: str
    closed_at: datetime


def purchase_stats(outcomes: Sequence[DealOutcome], default_currency: str) -> dict[str, Any]:
    """A contact's stored stats from its closed deals: count, totals per currency, the
    total in the default currency, first and last purchase, lost deals."""
    won = [o for o in outcomes if o.won]
    lost = len(outcomes) - len(won)
    totals: dict[str, Decimal] = {}
    for o in won:
        totals[o.currency] = totals.get(o.currency, Decimal(0)) + o.amount
    return {
        "purchase_count": len(won),
        "purchase_totals": totals,
        "purchase_total": totals.get(default_currency, Decimal(0)),
        "first_purchase_at": min((o.closed_at for o in won), default=None),
        "last_purchase_at": max((o.closed_at for o in won), default=None),
        "lost_deals": lost,
    }


def stage_after_stats(stage: str, purchase_count: int) -> str:
    """``customer`` once a contact has a won deal; otherwise the stage is kept (a reopened
    win does not demote a customer: that is a sales decision)."""
    return LifecycleStage.CUSTOMER.value if purchase_count > 0 else stage


# --------------------------------------------------------------------------- RFM


class RfmSegment(StrEnum):
    """RFM segment names (see ``contacts.purchases.domain.rfm_segment``)."""

    CHAMPIONS = "champions"
    LOYAL = "loyal"
    POTENTIAL_LOYALIST = "potential_loyalist"
    NEW_CUSTOMERS = "new_customers"
    PROMISING = "promising"
    NEED_ATTENTION = "need_attention"
    ABOUT_TO_SLEEP = "about_to_sleep"
    AT_RISK = "at_risk"
    CANNOT_LOSE = "cannot_lose"
    HIBERNATING = "hibernating"
    LOST = "lost"


SEGMENTS: Final = tuple(s.value for s in RfmSegment)


@dataclass(frozen=True)
class Breakpoints:
    """A tenant's quintile cut points (four ascending values per dimension) over its
    customers. Recency is ranked by the last purchase time (later is better)."""

    customers: int
    recency: tuple[float, ...]
    frequency: tuple[float, ...]
    monetary: tuple[float, ...]


def quintile_cuts(values: Sequence[float]) -> tuple[float, ...]:
    """Four cut points splitting ``values`` into fifths (nearest rank). With fewer than five
    values the cuts repeat them, which :func:`quintile_score` turns into middle scores."""
    ordered = sorted(values)
    if not ordered:
        return ()
    n = len(ordered)
    return tuple(ordered[min(n - 1, k * n // 5)] for k in range(1, 5))


def quintile_score(value: float, cuts: Sequence[float]) -> int:
    """1..5: the value's quintile among the customers the cuts came from (higher is better).

    Ties are scored at their middle rank, so equal values share a middle score: a lone
    customer scores 3, two customers 2 and 4, and a dimension where everyone is equal
    (for example one purchase each) gives everyone 3 rather than 5 or 1."""
    if not cuts:
        return 3
    below = sum(1 for c in cuts if c < value)
    at_or_below = sum(1 for c in cuts if c <= value)
    return 1 + math.ceil((below + at_or_below) / 2)


def breakpoints(
    customers: Sequence[tuple[float, float, float]],
) -> Breakpoints:
    """Cut points from the customers' ``(last purchase timestamp, count, monetary)``."""
    return Breakpoints(
        customers=len(customers),
        recency=quintile_cuts([c[0] for c in customers]),
        frequency=quintile_cuts([c[1] for c in customers]),
        monetary=quintile_cuts([c[2] for c in customers]),
    )


def fm_score(f: int, m: int) -> int:
    """The combined frequency-monetary score (mean, rounded half up)."""
    return (f + m + 1) // 2


_SEGMENT_GRID: Final = (
    # (R scores, FM scores, segment), first match wins
    ((1,), (1,), "lost"),
    ((1, 2), (1, 2), "hibernating"),
    ((1, 2), (3, 4), "at_risk"),
    ((1, 2), (5,), "cannot_lose"),
    ((3,), (1, 2), "about_to_sleep"),
    ((3,), (3,), "need_attention"),
    ((3, 4), (4, 5), "loyal"),
    ((4,), (1,), "promising"),
    ((5,), (1,), "new_customers"),
    ((4, 5), (2, 3), "potential_loyalist"),
    ((5,), (4, 5), "champions"),
)
"""The usual R x FM segment map (R rows, FM columns), plus ``lost`` for R1/FM1."""


def rfm_segment(r: int, fm: int) -> str:
    """The segment name of a recency score and a frequency-monetary score (1..5 each)."""
    for r_scores, fm_scores, name in _SEGMENT_GRID:
        if r in r_scores and fm in fm_scores:
            return name
    raise ValueError(f"scores out of range: R={r}, FM={fm}")


@dataclass(frozen=True)
class RfmScores:
    """One customer's scores and segment."""

    r: int
    f: int
    m: int
    fm: int
    segment: str


def score_customer(
    last_purchase: float, frequency: float, monetary: float, bp: Breakpoints
) -> RfmScores:
    """A customer's RFM scores and segment against the tenant's breakpoints."""
    r = quintile_score(last_purchase, bp.recency)
    f = quintile_score(frequency, bp.frequency)
    m = quintile_score(monetary, bp.monetary)
    fm = fm_score(f, m)
    return RfmScores(r=r, f=f, m=m, fm=fm, segment=rfm_segment(r, fm))


def segment_of(stats: Mapping[str, Any], bp: Breakpoints | None) -> str | None:
    """The stored ``rfm_segment`` of a contact from its stats (``None`` for non-customers).

    Before the tenant's customers were first ranked (``bp`` is None), the contact is scored
    as the only customer; the next background re-rank places it among the others."""
    if not stats.get("purchase_count") or stats.get("last_purchase_at") is None:
        return None
    point = customer_point(stats)
    return score_customer(*point, bp or breakpoints([point])).segment


def customer_point(stats: Mapping[str, Any]) -> tuple[float, float, float]:
    """``(last purchase timestamp, count, monetary)`` of a customer's stats."""
    last: datetime = stats["last_purchase_at"]
    return last.timestamp(), float(stats["purchase_count"]), float(stats["purchase_total"])


def historical_clv(
    *,
    total: Decimal,
    count: int,
    first_purchase_at: datetime,
    now: datetime,
    lifespan_years: float,
) -> Decimal:
    """Historical CLV = average order value x purchases per year x expected lifespan.

    Purchases per year are measured over the time since the first purchase, at least a
    year (so a brand-new customer's single purchase is not extrapolated to dozens a year).
    """
    if count <= 0:
        return Decimal(0)
    aov = total / count
    years = max((now - first_purchase_at).total_seconds() / (365.25 * 86400), 1.0)
    per_year = Decimal(count) / Decimal(str(years))
    return (aov * per_year * Decimal(str(lifespan_years))).quantize(Decimal("0.01"))
