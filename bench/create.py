"""Benchmark 1: ``POST /v1/leads`` under closed-loop load, against a one-insert FastAPI app."""

from __future__ import annotations

from typing import Any

from bench.context import Run
from bench.data import lead_body_template
from bench.harness import baseline_env, cpu_meter
from bench.load import HttpLoad, HttpLoadResult, run_load
from bench.report import Figure
from crm_devstack.testing import unique_name

BENCHMARK = "create-lead HTTP c=32"
BASELINE_LABEL = "FastAPI + 1 insert_one"
MIN_RATIO = 0.35


def _load(run: Run, url: str, headers: dict[str, str], run_id: str, seconds: float) -> HttpLoad:
    return HttpLoad(
        url=url,
        body_template=lead_body_template(),
        headers={"Content-Type": "application/json", **headers},
        concurrency=32,
        threads=2,
        duration_s=seconds,
        run_id=run_id,
    )


def measure_endpoint(run: Run, url: str, headers: dict[str, str], label: str) -> dict[str, Any]:
    """A warm-up, then the measured run with per-process CPU; both results returned."""
    warm = run_load(
        _load(run, url, headers, unique_name(f"{label}w"), run.sizes.http_warmup_s),
        tool=run.tool,
        workdir=run.workdir,
    )
    cpu: dict[str, Any] = {}
    with cpu_meter(run.stack.pids(), cpu):
        result = run_load(
            _load(run, url, headers, unique_name(f"{label}m"), run.sizes.http_duration_s),
            tool=run.tool,
            workdir=run.workdir,
        )
    return {"warmup": warm.to_dict(), "result": result.to_dict(), "cpu_cores": cpu}


def measure_baseline(run: Run) -> dict[str, Any]:
    """Start the baseline app, load it, stop it (so it never competes with the leads run)."""
    env = baseline_env(run.stack, db=unique_name("bench_baseline_"))
    proc = run.stack.start_service(
        "baseline", "bench.baseline_app:create_app", env, ready_path="/healthz"
    )
    try:
        return measure_endpoint(run, f"http://127.0.0.1:{proc.port}/items", {}, "b")
    finally:
        run.stack.stop_service("baseline")


def measure_leads(run: Run, tenant: str) -> dict[str, Any]:
    """Load ``POST /v1/leads`` of the running leads service as an admin of ``tenant``."""
    return measure_endpoint(run, f"{run.leads_url}/v1/leads", run.auth(tenant), "l")


def figures(leads: dict[str, Any], baseline: dict[str, Any]) -> list[Figure]:
    """Requests/s (target: at least 0.35 x baseline), p50, p99 and non-2xx counts."""
    lr = HttpLoadResult(**_fields(leads["result"]))
    br = HttpLoadResult(**_fields(baseline["result"]))
    ratio_ok = lr.rps >= MIN_RATIO * br.rps if br.rps else None
    errors = ""
    if lr.non_2xx or lr.socket_errors or br.non_2xx or br.socket_errors:
        errors = (
            f"ERRORS: leads statuses {lr.status_counts}, socket errors {lr.socket_errors}; "
            f"baseline statuses {br.status_counts}, socket errors {br.socket_errors}"
        )
    return [
        Figure(
            BENCHMARK,
            "throughput",
            "req/s",
            lr.rps,
            br.rps,
            BASELINE_LABEL,
            target=f">= {MIN_RATIO}x baseline",
            met=ratio_ok,
            note=f"load tool: {lr.tool}, {lr.requests} requests in {lr.duration_s} s",
        ),
        Figure(BENCHMARK, "latency p50", "ms", lr.p50_ms, br.p50_ms, BASELINE_LABEL),
        Figure(BENCHMARK, "latency p99", "ms", lr.p99_ms, br.p99_ms, BASELINE_LABEL),
        Figure(
            BENCHMARK,
            "non-2xx + socket errors",
            "count",
            lr.non_2xx + lr.socket_errors,
            br.non_2xx + br.socket_errors,
            BASELINE_LABEL,
            target="0",
            met=lr.non_2xx + lr.socket_errors == 0,
            note=errors,
        ),
    ]


def _fields(result: dict[str, Any]) -> dict[str, Any]:
    """The constructor arguments of :class:`HttpLoadResult` from its ``to_dict`` form."""
    return {k: v for k, v in result.items() if k != "non_2xx"}
