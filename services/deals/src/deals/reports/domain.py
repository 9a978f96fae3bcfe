"""Pure rules of the sales reports: the contribution of one deal to the read models
(buckets of additive counters), and the maths of the reports over them. Nothing here does
I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from deals.pipelines.domain import InvalidInput, StageKind

# --------------------------------------------------------------------------- read models


class ReportKind(StrEnum):
    """The read models; each bucket belongs to one."""

    PIPELINE = "pipeline"
    FORECAST = "forecast"
    WIN_LOSS = "closed"
    """Closed deals by owner and month (``POST /v1/reports/rebuild`` after upgrading from
    the earlier ``win_loss`` buckets, which had outcome and reason as dimensions)."""


@dataclass(frozen=True)
class BucketKey:
    """One bucket of a read model: its kind and dimensions (unused ones are ``None``)."""

    kind: ReportKind
    currency: str
    owner_id: str | None
    pipeline_id: str | None = None
    stage: str | None = None
    month: str | None = None
    outcome: str | None = None
    lost_reason: str | None = None

    def dims(self) -> dict[str, str | None]:
        """The dimensions as stored fields."""
        return {
            "kind": self.kind.value,
            "currency": self.currency,
            "owner_id": self.owner_id,
            "pipeline_id": self.pipeline_id,
            "stage": self.stage,
            "month": self.month,
            "outcome": self.outcome,
            "lost_reason": self.lost_reason,
        }

    @classmethod
    def from_dims(cls, raw: Mapping[str, Any]) -> BucketKey:
        """A key from stored fields."""
        return cls(
            kind=ReportKind(raw["kind"]),
            currency=raw["currency"],
            owner_id=raw.get("owner_id"),
            pipeline_id=raw.get("pipeline_id"),
            stage=raw.get("stage"),
            month=raw.get("month"),
            outcome=raw.get("outcome"),
            lost_reason=raw.get("lost_reason"),
        )


@dataclass(frozen=True)
class Tally:
    """Additive counters of a bucket: deals, amount, weighted amount, sales cycle seconds,
    and for closed deals how many were won and why the others were lost."""

    count: int = 0
    amount: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    cycle_seconds: int = 0
    won: int = 0
    lost_reasons: tuple[tuple[str, int], ...] = ()
    """(reason, deals) sorted by reason; only reasons with a non-zero count."""

    def __add__(self, other: Tally) -> Tally:
        reasons = dict(self.lost_reasons)
        for reason, n in other.lost_reasons:
            reasons[reason] = reasons.get(reason, 0) + n
        return Tally(
            self.count + other.count,
            self.amount + other.amount,
            self.weighted + other.weighted,
            self.cycle_seconds + other.cycle_seconds,
            self.won + other.won,
            tuple(sorted((r, n) for r, n in reasons.items() if n)),
        )

    def __neg__(self) -> Tally:
        return Tally(
            -self.count,
            -self.amount,
            -self.weighted,
            -self.cycle_seconds,
            -self.won,
            tuple((r, -n) for r, n in self.lost_reasons),
        )

    def is_zero(self) -> bool:
        """True when adding it changes nothing."""
        return not (
            self.count
            or self.amount
            or self.weighted
            or self.cycle_seconds
            or self.won
            or self.lost_reasons
        )

    def nonzero(self) -> dict[str, int | Decimal]:
        """The counters that are not zero, as stored field names (what an ``$inc`` needs;
        lost reasons are fields of the ``lost_reasons`` sub-document)."""
        values: dict[str, int | Decimal] = {
            "count": self.count,
            "amount": self.amount,
            "weighted": self.weighted,
            "cycle_seconds": self.cycle_seconds,
            "won": self.won,
        }
        for reason, n in self.lost_reasons:
            values[f"lost_reasons.{reason_field(reason)}"] = n
        return {k: v for k, v in values.items() if v}


def reason_field(reason: str) -> str:
    """A lost reason as a field name: never empty, no ``.``, never starting with ``$``."""
    return "r:" + reason.replace("%", "%25").replace(".", "%2E")


def reason_of_field(field_name: str) -> str:
    """The lost reason a :func:`reason_field` name stands for."""
    return field_name.removeprefix("r:").replace("%2E", ".").replace("%25", "%")


Tallies = dict[BucketKey, Tally]


@dataclass(frozen=True)
class DealFacts:
    """What the reports need to know about one deal."""

    pipeline_id: str
    stage: str
    status: StageKind
    amount: Decimal
    currency: str
    probability: int
    owner_id: str | None
    expected_close_date: str | None
    created_at: datetime
    closed_at: datetime | None = None
    lost_reason: str | None = None

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> DealFacts:
        """Facts of a stored deal (``amount`` may be a BSON Decimal128)."""
        amount = doc["amount"]
        return cls(
            pipeline_id=doc["pipeline_id"],
            stage=doc["stage"],
            status=StageKind(doc["status"]),
            amount=amount.to_decimal() if hasattr(amount, "to_decimal") else Decimal(amount),
            currency=doc["currency"],
            probability=int(doc["probability"]),
            owner_id=doc.get("owner_id"),
            expected_close_date=doc.get("expected_close_date"),
            created_at=doc["created_at"],
            closed_at=doc.get("closed_at"),
            lost_reason=doc.get("lost_reason"),
        )


def weighted_amount(amount: Decimal, probability: int) -> Decimal:
    """Amount times probability (exact: amounts have at most 4 decimals)."""
    return amount * probability / 100


def month_of(value: date | datetime) -> str:
    """``YYYY-MM`` of a date, or of a datetime in UTC."""
    return f"{value.year:04d}-{value.month:02d}"


def contributions(deal: DealFacts | None) -> Tallies:
    """The buckets one deal counts in, and what it adds to each.

    * pipeline: every deal, by pipeline, stage, currency and owner (count, amount, weighted);
    * forecast: open deals by expected close month (``None`` when unset), currency and owner
      (count, amount = best case, weighted);
    * win_loss: closed deals by close month, currency and owner (count, won count, won
      amount, cycle seconds from creation to close, lost deals per reason). Outcome and
      reason are counters rather than dimensions, so a year of one owner is 12 buckets.
    """
    if deal is None:
        return {}
    one = Tally(1, deal.amount, weighted_amount(deal.amount, deal.probability))
    tallies: Tallies = {
        BucketKey(
            ReportKind.PIPELINE,
            deal.currency,
            deal.owner_id,
            pipeline_id=deal.pipeline_id,
            stage=deal.stage,
        ): one
    }
    if deal.status is StageKind.OPEN:
        month = deal.expected_close_date[:7] if deal.expected_close_date else None
        tallies[BucketKey(ReportKind.FORECAST, deal.currency, deal.owner_id, month=month)] = one
    elif deal.closed_at is not None:
        cycle = max(int((deal.closed_at - deal.created_at).total_seconds()), 0)
        key = BucketKey(
            ReportKind.WIN_LOSS, deal.currency, deal.owner_id, month=month_of(deal.closed_at)
        )
        won = deal.status is StageKind.WON
        tallies[key] = Tally(
            count=1,
            amount=deal.amount if won else Decimal(0),
            cycle_seconds=cycle,
            won=1 if won else 0,
            lost_reasons=() if won else (((deal.lost_reason or ""), 1),),
        )
    return tallies


def add_into(total: Tallies, more: Mapping[BucketKey, Tally]) -> Tallies:
    """Add ``more`` into ``total`` (in place) and return it."""
    for key, tally in more.items():
        total[key] = total[key] + tally if key in total else tally
    return total


def delta(old: DealFacts | None, new: DealFacts | None) -> Tallies:
    """``contributions(new) - contributions(old)``, without buckets that do not change."""
    diff = add_into(contributions(new), {k: -t for k, t in contributions(old).items()})
    return {k: t for k, t in diff.items() if not t.is_zero()}


# --------------------------------------------------------------------------- report maths


@dataclass
class WinLoss:
    """Win/loss figures of a set of closed-deal buckets."""

    won: int = 0
    lost: int = 0
    cycle_seconds: int = 0
    won_amount: dict[str, Decimal] = field(default_factory=dict)
    lost_reasons: dict[str, int] = field(default_factory=dict)

    def add(self, key: BucketKey, tally: Tally) -> None:
        """Count one win_loss bucket."""
        self.cycle_seconds += tally.cycle_seconds
        self.won += tally.won
        self.lost += tally.count - tally.won
        if tally.amount:
            self.won_amount[key.currency] = (
                self.won_amount.get(key.currency, Decimal(0)) + tally.amount
            )
        for reason, n in tally.lost_reasons:
            self.lost_reasons[reason] = self.lost_reasons.get(reason, 0) + n

    @property
    def win_rate(self) -> float | None:
        """Won / closed, or ``None`` with nothing closed."""
        closed = self.won + self.lost
        return round(self.won / closed, 4) if closed else None

    @property
    def average_cycle_days(self) -> float | None:
        """Mean days from creation to close of the closed deals."""
        closed = self.won + self.lost
        return round(self.cycle_seconds / closed / 86_400, 2) if closed else None


MONTH_PATTERN: Final = r"^\d{4}-(0[1-9]|1[0-2])$"
MAX_REPORT_MONTHS: Final = 60


def months_between(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last`` inclusive (at most five years)."""
    year, month = int(first[:4]), int(first[5:7])
    months: list[str] = []
    while (current := f"{year:04d}-{month:02d}") <= last:
        months.append(current)
        if len(months) > MAX_REPORT_MONTHS:
            raise InvalidInput(f"a report covers at most {MAX_REPORT_MONTHS} months")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if not months:
        raise InvalidInput("the period ends before it starts")
    return months


def trailing_months(now: datetime, count: int) -> list[str]:
    """The ``count`` months up to and including the month of ``now``, oldest first."""
    year, month = now.year, now.month
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]
