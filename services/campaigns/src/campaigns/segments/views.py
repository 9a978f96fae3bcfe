"""Stored segments and projected contacts -> API bodies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm_shared.views import document_view


def view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of a segment."""
    return document_view(doc)


def contact_sample(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A projected contact in a segment preview."""
    return document_view(doc)
