"""Stored sales targets -> API bodies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm_shared.views import to_json


def target_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of one target (its id is owner and period)."""
    body: dict[str, Any] = to_json({k: v for k, v in doc.items() if k != "_id"})
    return body
