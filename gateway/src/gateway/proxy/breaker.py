"""A circuit breaker per upstream: fail fast while a service is down, probe it now and then.

Closed: requests pass; ``failures`` consecutive failures open it. Open: requests fail at
once for ``reset_s``. Half-open: one trial request passes; its success closes the
circuit, its failure opens it again.
"""

from __future__ import annotations

import time
from enum import StrEnum


class BreakerState(StrEnum):
    """Where the breaker is."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Counts consecutive failures of one upstream."""

    def __init__(self, *, failures: int, reset_s: float) -> None:
        self.threshold = failures
        self.reset_s = reset_s
        self.state = BreakerState.CLOSED
        self.failures = 0
        self.failures_total = 0
        """Every failure seen, consecutive or not (for metrics)."""
        self.opened_at = 0.0
        self._trial_out = False

    def allow(self, now: float | None = None) -> bool:
        """True when a request may go to the upstream now."""
        now = time.monotonic() if now is None else now
        if self.state is BreakerState.OPEN and now - self.opened_at >= self.reset_s:
            self.state = BreakerState.HALF_OPEN
            self._trial_out = False
        if self.state is BreakerState.HALF_OPEN:
            if self._trial_out:
                return False
            self._trial_out = True
            return True
        return self.state is BreakerState.CLOSED

    def retry_after(self, now: float | None = None) -> int:
        """Seconds until an open circuit lets a trial through (at least 1)."""
        now = time.monotonic() if now is None else now
        return max(1, int(self.reset_s - (now - self.opened_at) + 0.999))

    def success(self) -> None:
        """The upstream answered: close the circuit."""
        self.state = BreakerState.CLOSED
        self.failures = 0
        self._trial_out = False

    def failure(self, now: float | None = None) -> None:
        """The upstream did not answer (or answered 502/503/504)."""
        now = time.monotonic() if now is None else now
        self.failures += 1
        self.failures_total += 1
        if self.state is BreakerState.HALF_OPEN or self.failures >= self.threshold:
            self.state = BreakerState.OPEN
            self.opened_at = now
            self._trial_out = False
