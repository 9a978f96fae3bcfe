"""The event producer: acks=all, keyed by aggregate id, trace context in headers."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from crm_shared.settings import ServiceSettings
from crm_shared.telemetry import context_from_traceparent, current_traceparent, tracer


@dataclass(frozen=True)
class OutgoingRecord:
    """One record to publish: topic, key, value bytes and headers."""

    topic: str
    key: str
    value: bytes
    headers: Sequence[tuple[str, bytes]]
    event_type: str = ""
    event_id: str = ""
    traceparent: str | None = None


def producer_options(settings: ServiceSettings) -> dict[str, Any]:
    """aiokafka producer options: durable by default, idempotence where the broker allows."""
    return {
        "bootstrap_servers": settings.kafka_bootstrap,
        "acks": "all",
        "enable_idempotence": settings.kafka_idempotence,
        "linger_ms": 0,
        "request_timeout_ms": 10_000,
        "retry_backoff_ms": 100,
        "client_id": f"crm-{settings.service_name}",
    }


class EventProducer:
    """A thin wrapper over AIOKafkaProducer publishing batches and waiting for every ack."""

    def __init__(self, settings: ServiceSettings) -> None:
        self._settings = settings
        self._producer: AIOKafkaProducer | None = None

    @property
    def started(self) -> bool:
        """True once connected to the broker."""
        return self._producer is not None

    async def start(self) -> None:
        """Connect to the broker (raises if unreachable; callers retry)."""
        producer = AIOKafkaProducer(**producer_options(self._settings))
        try:
            await producer.start()
        except BaseException:
            await producer.stop()
            raise
        self._producer = producer

    async def stop(self) -> None:
        """Flush and disconnect; safe to call twice."""
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        """Send ``records`` in order and return once the broker acknowledged all of them.

        Each record gets a PRODUCER span whose parent is the trace stored with the
        record; that span's ``traceparent`` travels in the Kafka headers.
        """
        if self._producer is None:
            raise RuntimeError("producer not started")
        futures = []
        for record in records:
            parent = context_from_traceparent(record.traceparent)
            with tracer.start_as_current_span(
                f"{record.topic} publish",
                context=parent,
                kind=SpanKind.PRODUCER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.destination.name": record.topic,
                    "messaging.message.id": record.event_id,
                    "messaging.kafka.message.key": record.key,
                    "cloudevents.event_type": record.event_type,
                },
            ):
                headers = [(k, v) for k, v in record.headers if k != "traceparent"]
                if tp := current_traceparent():
                    headers.append(("traceparent", tp.encode()))
                futures.append(
                    await self._producer.send(
                        record.topic, record.value, key=record.key.encode(), headers=headers
                    )
                )
        results = await asyncio.gather(*futures, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                trace.get_current_span().record_exception(result)
                raise result

    async def send_raw(
        self,
        topic: str,
        *,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, bytes]],
    ) -> None:
        """Send one record as-is (dead letters keep the original key and bytes)."""
        if self._producer is None:
            raise RuntimeError("producer not started")
        await self._producer.send_and_wait(topic, value, key=key, headers=headers)
