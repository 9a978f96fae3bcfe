"""Stored campaigns and members -> API bodies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm_shared.views import HIDDEN_ALWAYS, document_view

_MEMBER_HIDDEN = HIDDEN_ALWAYS | {"queued", "tenant_id"}


def view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of a campaign; ``enrolling`` is true from a launch until its audience
    is enrolled (false for campaigns never launched, or launched before enrolment became
    a background job)."""
    body = document_view(doc)
    body["enrolling"] = bool(doc.get("enrolling", False))
    return body


def member_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of a campaign or static-list member (``id`` is the contact id)."""
    body = document_view(doc, _MEMBER_HIDDEN)
    body["id"] = doc["contact_id"]
    return body
