"""Interactive requests in flight in this process, so background bulk work can give way.

The request middleware counts every request except bulk and probe routes; an import job
waits (briefly) for a calm moment before each batch, so a user's request never queues
behind a batch of another tenant's rows in the same process."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Final

_NOT_INTERACTIVE_SUFFIXES: Final = ("/import", "/stream", "/healthz", "/readyz", "/metrics")


def is_interactive(path: str) -> bool:
    """Whether a request to ``path`` is one a person or an integration is waiting on."""
    return not path.rstrip("/").endswith(_NOT_INTERACTIVE_SUFFIXES)


class InFlight:
    """A count of requests in flight, with a wait for the moment it reaches zero.

    Its event belongs to the loop that last used it (tests run apps in several loops of
    one process; an asyncio event is bound to the first loop that waits on it)."""

    def __init__(self) -> None:
        self.count = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._calm = asyncio.Event()

    def _event(self) -> asyncio.Event:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._calm = loop, asyncio.Event()
            if self.count == 0:
                self._calm.set()
        return self._calm

    def enter(self) -> None:
        """A request started."""
        self.count += 1
        self._event().clear()

    def leave(self) -> None:
        """A request ended."""
        self.count = max(self.count - 1, 0)
        if self.count == 0:
            self._event().set()

    async def calm(self, max_wait_s: float) -> None:
        """Return once no request is in flight, or after ``max_wait_s`` at most."""
        if self.count == 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event().wait(), max_wait_s)


INTERACTIVE = InFlight()
"""This process's interactive requests (one app per process)."""
