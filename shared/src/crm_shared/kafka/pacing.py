"""Fetch pacing: eager fetches while records keep coming, a long poll once idle.

Kafka answers a waiting fetch as soon as data arrives, so one long ``fetch_max_wait_ms``
costs nothing there. The embedded broker holds a fetch until its wait runs out, so a
short wait buys latency with a steady stream of empty fetches (about 100 a second per
consumer group at 10 ms). :class:`FetchPacer` gives each consumer the short wait while
it is busy and the long one after it has been idle for a while.
"""

from __future__ import annotations

import time
from typing import Any

from aiokafka import AIOKafkaConsumer

from crm_shared.settings import ServiceSettings


def set_fetch_wait(consumer: AIOKafkaConsumer, wait_ms: int) -> None:
    """Make the consumer's next fetch requests wait at most ``wait_ms`` at the broker.

    aiokafka reads the wait from its fetcher each time it builds a request; it has no
    public setter, so this writes the attribute it reads (checked by a test)."""
    fetcher: Any = consumer._fetcher
    fetcher._fetch_max_wait_ms = wait_ms


class FetchPacer:
    """Switches a consumer between its busy and idle fetch waits."""

    def __init__(self, settings: ServiceSettings, *, clock: Any = time.monotonic) -> None:
        self.idle_wait_ms = settings.kafka_fetch_max_wait_ms
        self.busy_wait_ms = settings.kafka_fetch_busy_wait_ms
        self._idle_after_s = settings.kafka_fetch_idle_after_ms / 1000
        self._clock = clock
        self._last_records_at = clock()
        self.wait_ms = self.initial_wait_ms
        """The wait the consumer's fetches use now."""

    @property
    def initial_wait_ms(self) -> int:
        """The wait a new consumer starts with (busy: it may have a backlog to read)."""
        return self.busy_wait_ms if self.busy_wait_ms is not None else self.idle_wait_ms

    def after_poll(self, consumer: AIOKafkaConsumer, *, got_records: bool) -> None:
        """Record a poll's outcome and set the wait the next fetches should use."""
        if self.busy_wait_ms is None:
            return
        now = self._clock()
        if got_records:
            self._last_records_at = now
        idle = now - self._last_records_at >= self._idle_after_s
        wanted = self.idle_wait_ms if idle else self.busy_wait_ms
        if wanted != self.wait_ms:
            set_fetch_wait(consumer, wanted)
            self.wait_ms = wanted
