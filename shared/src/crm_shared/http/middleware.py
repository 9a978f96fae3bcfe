"""One pure-ASGI middleware: request id, body-size cap (413), security headers."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_shared.http.inflight import INTERACTIVE, is_interactive
from crm_shared.http.problems import problem_response, unexpected_error_response
from crm_shared.logs import request_id_var

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class BodyTooLarge(StarletteHTTPException):
    """Raised from ``receive`` when a streamed body passes its limit (an HTTP 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body may be at most {limit} bytes")
        self.limit = limit


class RequestContextMiddleware:
    """Sets the request id, enforces the body limit, and adds security headers."""

    def __init__(self, app: ASGIApp, *, default_limit: int, limits: Mapping[str, int]) -> None:
        self.app = app
        self.default_limit = default_limit
        self.limits = sorted(limits.items(), key=lambda kv: -len(kv[0]))

    def _limit_for(self, path: str) -> int:
        for prefix, limit in self.limits:
            if path.startswith(prefix):
                return limit
        return self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                extra = [(b"x-request-id", request_id.encode())]
                existing = {k.lower() for k, _ in message.get("headers", [])}
                extra += [(k, v) for k, v in _SECURITY_HEADERS if k not in existing]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        try:
            limit = self._limit_for(scope["path"])
            declared = headers.get(b"content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > limit):
                response = problem_response(
                    413,
                    "payload-too-large",
                    "Payload too large",
                    f"the body may be at most {limit} bytes",
                    instance=scope["path"],
                )
                await response(scope, receive, send_with_headers)
                return
            received = 0

            async def limited_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        raise BodyTooLarge(limit)
                return message

            interactive = is_interactive(scope["path"])
            if interactive:
                INTERACTIVE.enter()
            try:
                await self.app(scope, limited_receive, send_with_headers)
            except Exception as exc:
                if response_started:
                    raise
                # answered here, while the request id is still set (Starlette's outer
                # error layer would answer after this middleware reset it)
                await unexpected_error_response(Request(scope), exc)(
                    scope, receive, send_with_headers
                )
            finally:
                if interactive:
                    INTERACTIVE.leave()
        finally:
            request_id_var.reset(token)
