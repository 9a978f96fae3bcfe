"""Pure rules of sales targets: target periods (a month or a quarter), the periods inside a
run of months, and attainment. Nothing here does I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Final

from deals.pipelines.domain import InvalidInput

_PERIOD_RE: Final = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")
PERIOD_PATTERN: Final = r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$"


def period_months(period: str) -> list[str]:
    """The months of a target period: ``2025-03`` -> itself, ``2025-Q1`` -> Jan..Mar."""
    match = _PERIOD_RE.match(period)
    if match is None:
        raise InvalidInput(f"{period} is not a period such as 2025-03 or 2025-Q1")
    year, month, quarter = match.groups()
    if month:
        return [period]
    first = (int(quarter) - 1) * 3 + 1
    return [f"{year}-{m:02d}" for m in range(first, first + 3)]


def attainment(won: Decimal, target: Decimal) -> float | None:
    """Won amount as a fraction of the target (``None`` for a zero target)."""
    return round(float(won / target), 4) if target else None


def periods_within(months: Sequence[str]) -> list[str]:
    """The target periods inside a run of months: each month and each whole quarter."""
    inside = set(months)
    quarters = {f"{m[:4]}-Q{(int(m[5:7]) - 1) // 3 + 1}" for m in months}
    whole = sorted(q for q in quarters if set(period_months(q)) <= inside)
    return [*months, *whole]
