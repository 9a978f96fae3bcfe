"""Stored cases -> API response bodies (no re-validation)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm_shared.views import HIDDEN_ALWAYS, document_view

_HIDDEN = HIDDEN_ALWAYS | {"priority_rank"}
"""Storage-only keys: the priority rank cases are listed by."""


def case_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of a stored case (see ``CaseOut``)."""
    return document_view(doc, _HIDDEN)
