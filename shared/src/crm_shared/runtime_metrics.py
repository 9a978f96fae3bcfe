"""What a service's running parts report on ``/metrics``: its consumer groups (lag and
counters), its outbox relay and its delivery dispatchers (in memory), and the outbox
backlog (read from MongoDB at scrape time: one count with a cap and one indexed read)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from crm_shared.metrics import Source
from crm_shared.runtime import Runtime

CONSUMER_COUNTERS = {
    "handled": "Events the consumer group applied",
    "duplicates": "Redelivered events the inbox recognised as applied already",
    "skipped": "Events of types the consumer group has no handler for",
    "dead_lettered": "Events sent to the consumer group's dead-letter topic",
    "retries": "Attempts retried after a handler failure or while the database was away",
    "rebuilds": "Times the Kafka consumer was thrown away and built afresh",
}
"""``ConsumerStats`` field -> help of ``crm_consumer_<field>_total{group}``."""
DELIVERY_OUTCOMES = {"done": "delivered", "failed": "failed", "queued": "retried"}
"""Dispatcher outcome status -> ``outcome`` label of ``crm_deliveries_total``."""
OUTBOX_COUNT_CAP = 100_000
"""The backlog gauge counts at most this many rows (a count of an outage-sized outbox
would cost more than a scrape may)."""


def _runtime(app: FastAPI) -> Runtime | None:
    runtime: Runtime | None = getattr(app.state, "runtime", None)
    return runtime


async def runtime_families(app: FastAPI) -> list[Metric]:
    """Consumer lag and counters, relay counters, delivery outcomes (in-memory values)."""
    runtime = _runtime(app)
    if runtime is None:  # not started yet
        return []
    lag = GaugeMetricFamily(
        "crm_consumer_lag",
        "Records on the partition not handled yet by this instance's consumer",
        labels=["group", "topic", "partition"],
    )
    counters = {
        name: CounterMetricFamily(f"crm_consumer_{name}", text, labels=["group"])
        for name, text in CONSUMER_COUNTERS.items()
    }
    for runner in runtime.consumers:
        group = runner.spec.group
        for tp, records in sorted(runner.lag.items()):
            lag.add_metric([group, tp.topic, str(tp.partition)], records)
        for name, family in counters.items():
            family.add_metric([group], getattr(runner.stats, name))
    published = CounterMetricFamily(
        "crm_outbox_published", "Events this instance published to Kafka from its outbox"
    )
    published.add_metric([], runtime.relay.published)
    leader = GaugeMetricFamily(
        "crm_outbox_relay_leader", "1 when this instance holds the outbox relay lease"
    )
    leader.add_metric([], 1 if runtime.relay.is_leader else 0)
    return [lag, *counters.values(), published, leader, _deliveries(runtime)]


def _deliveries(runtime: Runtime) -> Metric:
    family = CounterMetricFamily(
        "crm_deliveries",
        "Settled delivery attempts by channel (email, webhook, lead_assign) and outcome: "
        "delivered, failed (given up) or retried (failed, tried again later)",
        labels=["channel", "outcome"],
    )
    for channel, dispatcher in sorted(runtime.dispatchers.items()):
        for status, outcome in DELIVERY_OUTCOMES.items():
            family.add_metric([channel, outcome], dispatcher.settled[status])
    return family


async def outbox_families(app: FastAPI) -> list[Metric]:
    """Unsent outbox rows and the age of the oldest (raises when MongoDB is away)."""
    runtime = _runtime(app)
    if runtime is None:
        return []
    rows, age = await runtime.relay.backlog(limit=OUTBOX_COUNT_CAP)
    backlog = GaugeMetricFamily(
        "crm_outbox_backlog",
        f"Outbox rows not published yet (counted up to {OUTBOX_COUNT_CAP})",
        value=rows,
    )
    oldest = GaugeMetricFamily(
        "crm_outbox_oldest_age_seconds",
        "Age of the oldest outbox row not published yet (0 when none waits)",
        value=age,
    )
    return [backlog, oldest]


SERVICE_SOURCES: Mapping[str, Source] = {"runtime": runtime_families, "outbox": outbox_families}
"""The sources every service app reports (see ``crm_shared.metrics``)."""
