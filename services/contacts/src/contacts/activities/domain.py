"""Activity value types (pure)."""

from __future__ import annotations

from enum import StrEnum


class ActivityKind(StrEnum):
    """What kind of interaction an activity records."""

    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    TASK = "task"
    NOTE = "note"
