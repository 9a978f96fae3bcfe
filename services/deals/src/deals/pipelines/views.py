"""Stored pipeline documents -> API bodies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm_shared.views import document_view


def pipeline_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of one pipeline."""
    return document_view(doc)
