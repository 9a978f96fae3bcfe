"""Composed views: several service calls at once, each one allowed to fail on its own.

A section is ``{"status": "ok", "data": ...}``, or ``{"status": "unavailable", ...}``
when its service did not answer in time (or is not deployed), or ``"forbidden"`` when
the caller's roles do not cover it. The view itself still answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from crm_shared.errors import ProblemError
from crm_shared.logs import request_id_var
from gateway.auth.callers import Caller
from gateway.proxy.upstreams import Upstreams

Section = dict[str, Any]


class SectionMissing(Exception):
    """The record a section is about does not exist (a 404 from its service)."""


@dataclass(frozen=True)
class ServiceCalls:
    """GETs to the services on behalf of one caller, within one time budget each."""

    upstreams: Upstreams
    caller: Caller
    timeout_s: float

    async def get(self, service: str, path: str, **params: Any) -> Any:
        """The JSON body of ``GET path`` on ``service``; raises what :func:`section`
        turns into a section status."""
        upstream = self.upstreams.get(service)
        if upstream is None:
            raise LookupError(f"the {service} service is not deployed")
        headers = {"authorization": self.caller.upstream_authorization}
        if request_id := request_id_var.get():
            headers["x-request-id"] = request_id
        response = await upstream.send(
            "GET",
            path,
            params=httpx.QueryParams({k: v for k, v in params.items() if v is not None}),
            headers=headers,
            timeout=self.timeout_s,
        )
        if response.status_code == 404:
            raise SectionMissing(path)
        if response.status_code == 403:
            raise PermissionError(path)
        if response.status_code != 200:
            raise RuntimeError(f"{service} answered {response.status_code}")
        return response.json()


async def section(fetch: Awaitable[Any], timeout_s: float) -> Section:
    """Run one fetch; its outcome as a section."""
    try:
        data = await asyncio.wait_for(fetch, timeout_s)
    except PermissionError:
        return {"status": "forbidden", "reason": "your roles do not cover this section"}
    except SectionMissing:
        return {"status": "ok", "data": None}
    except (ProblemError, LookupError, RuntimeError, TimeoutError, httpx.HTTPError) as exc:
        return {"status": "unavailable", "reason": _reason(exc)}
    return {"status": "ok", "data": data}


def _reason(exc: Exception) -> str:
    if isinstance(exc, TimeoutError):
        return "the service did not answer in time"
    return getattr(exc, "detail", None) or str(exc) or type(exc).__name__


async def sections(
    fetches: Mapping[str, Callable[[], Awaitable[Any]]], timeout_s: float
) -> dict[str, Section]:
    """Every fetch at once; each one's section by name."""
    names = list(fetches)
    results = await asyncio.gather(*(section(fetches[n](), timeout_s) for n in names))
    return dict(zip(names, results, strict=True))
