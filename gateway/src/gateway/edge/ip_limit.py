"""Per-client-IP rate limit on every ``/api/`` request, before any other work is done."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from crm_shared.http.problems import problem_response
from gateway.deps import GatewayState


class IpRateLimit:
    """Answers 429 with ``Retry-After`` once an IP's bucket is empty."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            state: GatewayState = scope["app"].state.gateway
            client = scope.get("client")
            wait = state.ip_buckets.take(client[0] if client else "unknown")
            if wait:
                response = problem_response(
                    429,
                    "rate-limited",
                    "Too many requests",
                    "request rate limit reached for this address",
                    instance=scope["path"],
                    headers={"Retry-After": str(wait)},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
