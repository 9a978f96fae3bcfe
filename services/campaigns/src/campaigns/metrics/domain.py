"""Pure metrics rules: return on investment (no I/O)."""

from __future__ import annotations

from decimal import Decimal


def roi(revenue: Decimal, cost: Decimal) -> Decimal | None:
    """``(revenue - cost) / cost`` to four places; ``None`` when there is no cost."""
    if cost == 0:
        return None
    return ((revenue - cost) / cost).quantize(Decimal("0.0001"))
