"""OpenTelemetry set-up and W3C trace-context helpers shared by HTTP and Kafka code."""

from __future__ import annotations

import os
import threading

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_setup_lock = threading.Lock()
_provider: TracerProvider | None = None

tracer = trace.get_tracer("crm")


def setup_tracing(service_name: str, *, extra_processor: SpanProcessor | None = None) -> None:
    """Install the process-wide tracer provider once; OTLP export only when configured.

    ``OTEL_EXPORTER_OTLP_ENDPOINT`` switches on OTLP/HTTP export. Tests pass an
    in-memory ``extra_processor`` to read spans back.
    """
    global _provider
    with _setup_lock:
        if _provider is None:
            _provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
            if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
                from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
                    OTLPSpanExporter,
                )

                _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
            trace.set_tracer_provider(_provider)
        if extra_processor is not None:
            _provider.add_span_processor(extra_processor)


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the active span, or None outside a trace."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def context_from_traceparent(traceparent: str | None) -> otel_context.Context:
    """A context whose parent is the span named by ``traceparent`` (empty if None)."""
    if not traceparent:
        return otel_context.Context()
    return propagate.extract({"traceparent": traceparent})


def traceparent_from_headers(
    headers: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...],
) -> str | None:
    """The ``traceparent`` Kafka header, decoded."""
    for key, value in headers:
        if key == "traceparent":
            return value.decode("ascii", "replace")
    return None
