"""Fetch pacing: the busy wait while records come, the long poll once idle."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from crm_shared.kafka.pacing import FetchPacer
from crm_shared.settings import ServiceSettings


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def consumer(wait_ms: int) -> Any:
    return SimpleNamespace(_fetcher=SimpleNamespace(_fetch_max_wait_ms=wait_ms))


def test_busy_while_records_come_then_idle_after_the_quiet_period() -> None:
    settings = ServiceSettings(
        kafka_fetch_busy_wait_ms=10, kafka_fetch_max_wait_ms=500, kafka_fetch_idle_after_ms=2000
    )
    clock = Clock()
    pacer = FetchPacer(settings, clock=clock)
    c = consumer(pacer.initial_wait_ms)
    assert pacer.initial_wait_ms == 10

    pacer.after_poll(c, got_records=True)
    clock.now += 1.9
    pacer.after_poll(c, got_records=False)
    assert c._fetcher._fetch_max_wait_ms == 10  # quiet for less than the idle period

    clock.now += 0.2
    pacer.after_poll(c, got_records=False)
    assert c._fetcher._fetch_max_wait_ms == 500 and pacer.wait_ms == 500

    clock.now += 60
    pacer.after_poll(c, got_records=True)
    assert c._fetcher._fetch_max_wait_ms == 10  # records again: eager at once


def test_one_wait_when_no_busy_wait_is_set() -> None:
    pacer = FetchPacer(ServiceSettings(kafka_fetch_max_wait_ms=500), clock=Clock())
    c = consumer(pacer.initial_wait_ms)
    pacer.after_poll(c, got_records=True)
    pacer.after_poll(c, got_records=False)
    assert pacer.initial_wait_ms == 500 and c._fetcher._fetch_max_wait_ms == 500
