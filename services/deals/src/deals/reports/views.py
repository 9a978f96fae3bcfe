"""Report figures -> API values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from deals.reports.domain import Tally


def money(value: Decimal) -> str:
    """A report amount as a plain decimal string (``1E+2`` -> ``"100"``)."""
    return format(value.normalize(), "f") if value else "0"


def tally_view(tally: Tally) -> dict[str, Any]:
    """Count, amount and weighted amount of a bucket (or a sum of buckets)."""
    return {"count": tally.count, "amount": money(tally.amount), "weighted": money(tally.weighted)}
