"""Application errors that map to RFC 9457 problem responses."""

from __future__ import annotations

from typing import Any, Final

RESERVED_MEMBERS: Final = frozenset(
    {"type", "title", "status", "detail", "instance", "request_id", "slug", "headers"}
)
"""Names an extension member may not take: the standard members of a problem body, the
request id every body carries, and the other arguments of ``problem_response``."""


class ProblemError(Exception):
    """An error with an HTTP status and a stable problem type slug.

    Keyword arguments become extension members of the problem body (``existing_id=...``);
    one named like a standard member (see ``RESERVED_MEMBERS``) is a ``TypeError`` here,
    where the mistake is made, rather than a 500 when the error is answered (``detail`` is
    positional-only so ``detail=`` gets the same message).
    """

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"
    retry_after: int | None = None
    """Seconds for a ``Retry-After`` header (429 and 503)."""

    def __init__(self, detail: str, /, **extra: Any) -> None:
        if reserved := RESERVED_MEMBERS.intersection(extra):
            names = ", ".join(sorted(reserved))
            raise TypeError(
                f"{type(self).__name__}() extension member(s) {names} would replace standard "
                "problem members; choose another name"
            )
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class BadRequest(ProblemError):
    """The request is malformed (bad cursor, bad header, bad CSV)."""


class Unauthorized(ProblemError):
    """Missing or invalid credentials."""

    status, slug, title = 401, "unauthorized", "Unauthorized"


class Forbidden(ProblemError):
    """Authenticated, but the role does not allow this."""

    status, slug, title = 403, "forbidden", "Forbidden"


class NotFound(ProblemError):
    """No such resource in the caller's tenant."""

    status, slug, title = 404, "not-found", "Not found"


class Conflict(ProblemError):
    """The request conflicts with the resource's current state."""

    status, slug, title = 409, "conflict", "Conflict"


class VersionConflict(Conflict):
    """Optimistic concurrency lost: the resource changed since it was read."""

    slug, title = "version-conflict", "Version conflict"


class PayloadTooLarge(ProblemError):
    """The body (or an import) exceeds the configured limit."""

    status, slug, title = 413, "payload-too-large", "Payload too large"


class Unprocessable(ProblemError):
    """Well-formed but semantically invalid input."""

    status, slug, title = 422, "validation-error", "Validation error"


class TooManyRequests(ProblemError):
    """A rate limit ran out; ``retry_after`` says when the next request may pass."""

    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, detail: str, /, *, retry_after: int = 1, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = max(1, retry_after)


class ServiceUnavailable(ProblemError):
    """A dependency (database, broker, upstream service) is unavailable right now."""

    status, slug, title = 503, "service-unavailable", "Service unavailable"
    retry_after = 5
