"""The periods the dashboard covers: this quarter, and the trailing months of the win rate."""

from __future__ import annotations

from datetime import datetime

WIN_LOSS_MONTHS = 12
"""The win rate covers the deals closed in the last this many months (this one included)."""


def quarter_months(now: datetime) -> tuple[str, str]:
    """First and last month (``YYYY-MM``) of the quarter of ``now``."""
    first = (now.month - 1) // 3 * 3 + 1
    return f"{now.year:04d}-{first:02d}", f"{now.year:04d}-{first + 2:02d}"


def trailing_months(now: datetime, count: int) -> tuple[str, str]:
    """First and last month (``YYYY-MM``) of the ``count`` months ending with ``now``'s."""
    index = now.year * 12 + now.month - 1 - (count - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}", f"{now.year:04d}-{now.month:02d}"
