"""Gzip for what the gateway sends: JSON answers and the console's scripts and styles.

Starlette's ``GZipMiddleware`` (1.x) compresses any body of at least ``minimum_size``
bytes when the client accepts gzip, adds ``Vary: Accept-Encoding``, leaves alone bodies
that are already encoded and the types in its ``DEFAULT_EXCLUDED_CONTENT_TYPES``, among
them ``text/event-stream``: the notification stream passes through untouched, each event
as it comes (a test holds it to that). A streamed body (a file, a relayed export) is
compressed piece by piece, each piece flushed at once.

Level 6 rather than Starlette's 9: nearly the same size for JSON and scripts at a fraction
of the CPU. Bodies under a kilobyte stay as they are (little to win, more bytes of header
and CPU than saved). ETags pass unchanged, so ``If-Match`` keeps working either way.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware

MINIMUM_SIZE = 1024
LEVEL = 6


def add_compression(app: Starlette) -> None:
    """Compress the app's answers (add it after the other middleware: outside them, it
    sees the final body)."""
    app.add_middleware(GZipMiddleware, minimum_size=MINIMUM_SIZE, compresslevel=LEVEL)
