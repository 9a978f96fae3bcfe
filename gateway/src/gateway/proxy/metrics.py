"""What the gateway reports on ``/metrics`` besides its HTTP requests: each upstream's
failures and circuit state (in memory)."""

from __future__ import annotations

from fastapi import FastAPI
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from gateway.deps import GatewayState
from gateway.proxy.breaker import BreakerState


async def upstream_families(app: FastAPI) -> list[Metric]:
    """``crm_gateway_upstream_failures_total`` and ``crm_gateway_circuit_state``."""
    state: GatewayState | None = getattr(app.state, "gateway", None)
    if state is None:  # not started yet
        return []
    failures = CounterMetricFamily(
        "crm_gateway_upstream_failures",
        "Requests to the service that failed (no answer in time, connection failed, or "
        "a 502/503/504), as its circuit breaker counts them",
        labels=["upstream"],
    )
    circuit = GaugeMetricFamily(
        "crm_gateway_circuit_state",
        "1 for the state each upstream's circuit breaker is in, 0 for the others",
        labels=["upstream", "state"],
    )
    for name, upstream in sorted(state.upstreams.by_name.items()):
        breaker = upstream.breaker
        failures.add_metric([name], breaker.failures_total)
        for candidate in BreakerState:
            circuit.add_metric([name, candidate.value], 1 if breaker.state is candidate else 0)
    return [failures, circuit]
