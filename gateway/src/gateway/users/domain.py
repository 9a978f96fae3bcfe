"""Rules of user management."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def locks_out_self(actor_id: str, user_id: str, fields: Mapping[str, Any]) -> bool:
    """Whether setting ``fields`` on ``user_id`` would have the admin ``actor_id``
    deactivate themselves or drop their own admin role."""
    return user_id == actor_id and (
        fields.get("active") is False or "admin" not in fields.get("roles", ["admin"])
    )
