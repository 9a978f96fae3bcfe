"""Stored activities -> API response bodies (no re-validation)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm_shared.views import HIDDEN_ALWAYS, document_view


def activity_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of a stored activity (see ``ActivityOut``)."""
    return document_view(doc, HIDDEN_ALWAYS)
