"""One OpenAPI document for the whole platform: the gateway's routes plus every service's,
each service path moved under ``/api`` (``/v1/leads`` -> ``/api/v1/leads``).

Schema names two services both use for different shapes are renamed
``<Service><Name>`` in the second one (and its ``$ref``s rewritten). A service route that
takes a bearer token takes an API key here too, and every route may answer 429 (rate
limits). Services that do not answer are listed under ``x-unavailable-services``; the
merge is cached briefly.
"""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

from crm_shared.http.openapi import HTTP_METHODS, declare_problems
from gateway.proxy.upstreams import Upstreams

Doc = dict[str, Any]
CACHE_S = 30.0
GATEWAY_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"apiKey": []}]
_REF = "#/components/schemas/"


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {k: _rename_refs(v, renames) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF) and ref[len(_REF) :] in renames:
            out["$ref"] = _REF + renames[ref[len(_REF) :]]
        return out
    if isinstance(node, list):
        return [_rename_refs(v, renames) for v in node]
    return node


def merge(gateway_doc: Doc, services: dict[str, Doc]) -> Doc:
    """The gateway's document with the services' paths and schemas added."""
    merged = copy.deepcopy(gateway_doc)
    paths: dict[str, Any] = merged.setdefault("paths", {})
    schemas: dict[str, Any] = merged.setdefault("components", {}).setdefault("schemas", {})
    for service, doc in sorted(services.items()):
        theirs: dict[str, Any] = (doc.get("components") or {}).get("schemas") or {}
        renames = {
            name: f"{service.title()}{name}"
            for name, schema in theirs.items()
            if name in schemas and schemas[name] != schema
        }
        doc = _rename_refs(doc, renames)
        for name, schema in ((doc.get("components") or {}).get("schemas") or {}).items():
            schemas.setdefault(renames.get(name, name), schema)
        for path, item in (doc.get("paths") or {}).items():
            if path.startswith("/v1/"):
                paths["/api" + path] = _with_gateway_security(item)
    return declare_problems(merged, always=(429,))


def _with_gateway_security(item: dict[str, Any]) -> dict[str, Any]:
    """A service path item whose secured operations also accept an API key."""
    return {
        method: {**operation, "security": GATEWAY_SECURITY}
        if method in HTTP_METHODS and operation.get("security")
        else operation
        for method, operation in item.items()
    }


class MergedOpenApi:
    """Fetches the services' documents and caches the merge."""

    def __init__(self, upstreams: Upstreams) -> None:
        self.upstreams = upstreams
        self._cached: tuple[float, Doc] | None = None

    async def document(self, gateway_doc: Doc) -> Doc:
        """The merged document (fresh at most ``CACHE_S`` ago)."""
        now = time.monotonic()
        if self._cached is not None and now - self._cached[0] < CACHE_S:
            return self._cached[1]
        names = list(self.upstreams.by_name)
        fetched = await asyncio.gather(*(self._fetch(n) for n in names))
        services = {n: d for n, d in zip(names, fetched, strict=True) if d is not None}
        merged = merge(gateway_doc, services)
        missing = sorted(set(names) - set(services))
        if missing:
            merged["x-unavailable-services"] = missing
        else:
            self._cached = (now, merged)
        return merged

    async def _fetch(self, name: str) -> Doc | None:
        upstream = self.upstreams.by_name[name]
        try:
            response = await upstream.client.get("/openapi.json", timeout=2.0)
            body = response.json() if response.status_code == 200 else None
        except Exception:
            return None
        return body if isinstance(body, dict) else None
