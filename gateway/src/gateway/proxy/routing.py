"""Which service serves a path, the service path it becomes, and which resource and
action it touches.

``/api/v1/<resource>/...`` goes to the service that owns ``<resource>`` as
``/v1/<resource>/...``. The gateway checks the role table coarsely (may this caller do
this action on this resource at all?); each service checks it again, with ownership.
"""

from __future__ import annotations

from urllib.parse import quote

from crm_shared.access import Action

SERVICE_OF: dict[str, str] = {
    "leads": "leads",
    "contacts": "contacts",
    "accounts": "contacts",
    "activities": "contacts",
    "cases": "contacts",
    "deals": "deals",
    "pipelines": "deals",
    "reports": "deals",
    "targets": "deals",
    "campaigns": "campaigns",
    "segments": "campaigns",
    "automations": "campaigns",
    "track": "campaigns",
    "unsubscribe": "campaigns",
    "notifications": "notifications",
    "webhooks": "notifications",
    "emails": "notifications",
}
"""First path segment after ``/api/v1/`` -> service name."""

PUBLIC_RESOURCES = frozenset({"track", "unsubscribe"})
"""Reached by e-mail recipients without credentials (open pixel, link clicks, unsubscribe);
the campaigns service checks each link's signed token. The per-IP limit still applies."""

RESOURCE_OF: dict[str, str] = {"emails": "campaigns"}
"""Path segments whose role-table row has another name: e-mail delivery records are
readable by whoever may read campaigns."""


READ_POSTS = frozenset({("segments", ("preview",)), ("campaigns", ("template-preview",))})
"""POSTs that only read (a segment preview takes its rules in the body, a template preview
its template)."""


BULK_ENDPOINTS = frozenset({"import", "export.csv"})
"""The last path segments of CSV imports and exports (they get the bulk read timeout)."""


def has_dot_segment(rest: str) -> bool:
    """True when the path below the resource has a ``.`` or ``..`` segment (``%2E%2E`` and
    ``%2F`` arrive decoded): the HTTP client would resolve it and so leave
    ``/v1/<resource>/`` for the service's internal routes (``/metrics``, ``/openapi.json``)."""
    return any(part in (".", "..") for part in rest.split("/"))


def is_event_stream(resource: str, rest: str) -> bool:
    """True for the long-lived Server-Sent Events stream, which is relayed as it comes."""
    return resource == "notifications" and rest.strip("/") == "stream"


def is_bulk(rest: str) -> bool:
    """Whether ``/api/v1/<resource>/<rest>`` is a CSV import or export."""
    return rest.rsplit("/", 1)[-1] in BULK_ENDPOINTS


def upstream_path(resource: str, rest: str) -> str:
    """The service path of ``/api/v1/<resource>/<rest>``, percent-encoded again: the
    decoded path must not turn an encoded ``?``, ``#`` or control character into URL
    syntax (dot segments were refused before, see :func:`has_dot_segment`)."""
    segments = [resource, *rest.split("/")] if rest else [resource]
    return "/v1/" + "/".join(quote(segment, safe="") for segment in segments)


def access_of(resource: str, method: str, rest: str) -> tuple[str, Action]:
    """The role-table resource and action of ``method /api/v1/<resource>/<rest>``."""
    parts = tuple(p for p in rest.split("/") if p)
    resource = RESOURCE_OF.get(resource, resource)
    if resource == "leads" and parts[:1] == ("config",):
        resource = "scoring_rules"
    if method in ("GET", "HEAD", "OPTIONS") or (resource, parts) in READ_POSTS:
        return resource, Action.READ
    if method == "POST" and parts == ("import",):
        return resource, Action.IMPORT
    return resource, Action.WRITE
