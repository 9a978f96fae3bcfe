"""Test helpers reading what apps report: their ``/metrics`` and their trace spans."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from crm_shared.telemetry import setup_tracing


@dataclass(frozen=True)
class Scrape:
    """One parsed ``/metrics`` exposition."""

    samples: list[Sample]

    def matching(self, name: str, **labels: str) -> list[Sample]:
        """Samples called ``name`` (``..._total``, ``..._count``) whose labels include
        ``labels``."""
        return [
            s
            for s in self.samples
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
        ]

    def value(self, name: str, **labels: str) -> float | None:
        """The one sample called ``name`` with ``labels`` (None if absent; an error if
        several match)."""
        found = self.matching(name, **labels)
        assert len(found) <= 1, f"{len(found)} samples of {name} match {labels}"
        return found[0].value if found else None

    def total(self, name: str, **labels: str) -> float:
        """The sum of the samples called ``name`` whose labels include ``labels``."""
        return sum(s.value for s in self.matching(name, **labels))


async def scrape(client: httpx.AsyncClient, path: str = "/metrics") -> Scrape:
    """GET the app's exposition and parse it (asserting a 200 in the text format)."""
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain"), response.headers
    families = text_string_to_metric_families(response.text)
    return Scrape([sample for family in families for sample in family.samples])


@contextlib.contextmanager
def recorded_spans() -> Iterator[InMemorySpanExporter]:
    """Spans finished in this process while the block runs, kept in memory.

    The process has one tracer provider (set up by the first app or test); the exporter
    is added to it, whichever came first, and shut down at the end, so it keeps nothing
    from later tests."""
    exporter = InMemorySpanExporter()
    setup_tracing("crm-tests", extra_processor=SimpleSpanProcessor(exporter))
    try:
        yield exporter
    finally:
        exporter.shutdown()


def trace_id_of(span: ReadableSpan) -> str:
    """The span's trace id as 32 hex digits (as in ``traceparent``)."""
    assert span.context is not None
    return format(span.context.trace_id, "032x")
