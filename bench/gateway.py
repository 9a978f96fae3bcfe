"""Benchmarks of the gateway: ``python -m bench.gateway [--quick] [--keep-workdir]``.

Starts its own Tansu broker and SecantusDB on free loopback ports, and leads, contacts,
deals and the gateway as processes through the launcher behind ``crm up``; measures

1. ``POST /api/v1/leads`` through the gateway against ``POST /v1/leads`` straight to the
   leads service, alternating, at concurrency 32 (target: gateway throughput at least
   0.6 of direct, added p50 at most 3 ms);
2. ``GET /api/v1/customers/{id}/360`` with every service up, against one
   ``GET /v1/contacts/{id}`` straight to contacts; then with the deals service stopped
   (it must still answer 200, with that section unavailable, within its fan-out timeout).

Prints a table and saves JSON to ``bench/results/gateway-<UTC>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.context import Run, Sizes
from bench.create import measure_endpoint
from bench.harness import Stack
from bench.load import wrk_available
from bench.platform import GATEWAY_ENV, admin, start_services
from bench.report import Figure
from bench.runner import Results, run_benchmark
from bench.stats import summarize_ms
from crm_devstack.testing import TokenMinter, eventually, unique_name

SERVICES = ("leads", "contacts", "deals", "gateway")
FANOUT_TIMEOUT_MS = 2000.0
MIN_THROUGHPUT_RATIO = 0.6
MAX_ADDED_P50_MS = 3.0
ROUNDS = 2


def create_lead(run: Run, urls: dict[str, str]) -> dict[str, Any]:
    """Direct and through the gateway, alternating ``ROUNDS`` times, same tenant."""
    headers = admin(run, unique_name("bench_gw_"))
    rounds: dict[str, list[dict[str, Any]]] = {"direct": [], "gateway": []}
    for _ in range(ROUNDS):
        rounds["direct"].append(measure_endpoint(run, f"{urls['leads']}/v1/leads", headers, "d"))
        rounds["gateway"].append(
            measure_endpoint(run, f"{urls['gateway']}/api/v1/leads", headers, "g")
        )
    return rounds


def _mean(results: list[dict[str, Any]], field: str) -> float:
    values = [float(r["result"][field]) for r in results]
    return round(sum(values) / len(values), 3)


async def _customer(client: httpx.AsyncClient) -> str:
    """A converted lead with a deal, activities and cases; returns its contact id."""
    lead = (
        await client.post(
            "/api/v1/leads",
            json={
                "first_name": "Wulan",
                "last_name": "Sari",
                "email": "wulan@mitra.co.id",
                "company": "PT Mitra",
                "website": "mitra.co.id",
                "source": "web",
            },
        )
    ).raise_for_status()
    lead_id = lead.json()["id"]
    (
        await client.post(
            f"/api/v1/leads/{lead_id}/convert",
            json={"create_deal": {"name": "Mitra CRM", "amount": "30000000"}},
        )
    ).raise_for_status()

    async def linked() -> str | None:
        done = (await client.get(f"/api/v1/leads/{lead_id}")).json().get("converted") or {}
        return done.get("contact_id") if done.get("deal_id") else None

    contact_id: str = await eventually(linked, timeout=60, what="conversion")
    for i in range(5):
        activity = {"kind": "call", "subject": f"Call {i}", "contact_id": contact_id}
        (await client.post("/api/v1/activities", json=activity)).raise_for_status()
    for priority in ("high", "low"):
        case = {"subject": "Invoice", "priority": priority, "contact_id": contact_id}
        (await client.post("/api/v1/cases", json=case)).raise_for_status()
    return contact_id


async def _timed_gets(client: httpx.AsyncClient, path: str, n: int) -> dict[str, Any]:
    times, statuses = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        response = await client.get(path)
        times.append(time.perf_counter() - t0)
        statuses.append(response.status_code)
    return {**summarize_ms(times), "statuses": sorted(set(statuses)), "last": response.json()}


async def customer_view(run: Run, urls: dict[str, str], requests: int) -> dict[str, Any]:
    """360 view p50/p99 with every service up, the contact read alone, then deals stopped."""
    headers = admin(run, unique_name("bench_360_"))
    async with (
        httpx.AsyncClient(base_url=urls["gateway"], headers=headers, timeout=30) as gateway,
        httpx.AsyncClient(base_url=urls["contacts"], headers=headers, timeout=30) as contacts,
    ):
        contact_id = await _customer(gateway)
        view = f"/api/v1/customers/{contact_id}/360"
        await _timed_gets(gateway, view, 5)  # warm-up
        all_up = await _timed_gets(gateway, view, requests)
        contact_alone = await _timed_gets(contacts, f"/v1/contacts/{contact_id}", requests)
        run.stack.stop_service("deals")
        deals_down = await _timed_gets(gateway, view, requests)
    sections = {k: v["status"] for k, v in deals_down.pop("last").items() if isinstance(v, dict)}
    all_up.pop("last")
    contact_alone.pop("last")
    return {
        "all_up": all_up,
        "contact_alone": contact_alone,
        "deals_down": {**deals_down, "sections": sections},
    }


def figures(create: dict[str, Any], view: dict[str, Any]) -> list[Figure]:
    """Throughput ratio and added p50 of the proxy; 360 p99 up and degraded."""
    direct_rps, gateway_rps = _mean(create["direct"], "rps"), _mean(create["gateway"], "rps")
    direct_p50, gateway_p50 = _mean(create["direct"], "p50_ms"), _mean(create["gateway"], "p50_ms")
    errors = sum(
        r["result"]["non_2xx"] + r["result"]["socket_errors"]
        for side in create.values()
        for r in side
    )
    bench = "create-lead c=32 via gateway"
    down = view["deals_down"]
    down_ok = down["statuses"] == [200] and down["sections"].get("deals") == "unavailable"
    return [
        Figure(
            bench,
            "throughput",
            "req/s",
            gateway_rps,
            direct_rps,
            "leads service direct",
            target=f">= {MIN_THROUGHPUT_RATIO}x direct",
            met=gateway_rps >= MIN_THROUGHPUT_RATIO * direct_rps and not errors,
            note=f"mean of {ROUNDS} alternating runs; non-2xx: {errors}",
        ),
        Figure(
            bench,
            "latency p50",
            "ms",
            gateway_p50,
            direct_p50,
            "leads service direct",
            target=f"<= direct + {MAX_ADDED_P50_MS:g} ms",
            met=gateway_p50 - direct_p50 <= MAX_ADDED_P50_MS,
            note=f"added {gateway_p50 - direct_p50:.2f} ms",
        ),
        Figure(
            "360 view",
            "latency p99, all up",
            "ms",
            view["all_up"]["p99_ms"],
            view["contact_alone"]["p99_ms"],
            "GET contact direct",
            note=f"p50 {view['all_up']['p50_ms']} ms",
        ),
        Figure(
            "360 view",
            "latency p99, deals stopped",
            "ms",
            down["p99_ms"],
            view["all_up"]["p99_ms"],
            "360 view all up",
            target=f"200 within {FANOUT_TIMEOUT_MS:.0f} ms",
            met=down_ok and down["p99_ms"] <= FANOUT_TIMEOUT_MS,
            note=f"statuses {down['statuses']}; sections {down['sections']}",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    """Run both benchmarks once; returns 1 if a step failed."""
    parser = argparse.ArgumentParser(prog="python -m bench.gateway")
    parser.add_argument("--quick", action="store_true", help="short runs")
    parser.add_argument("--keep-workdir", action="store_true", help="keep logs and data")
    args = parser.parse_args(argv)
    sizes = Sizes.for_mode(quick=args.quick)
    tool = "wrk" if wrk_available() else "python"
    print(f"[bench] load tool {tool}", flush=True)

    def steps(stack: Stack, workdir: Path, results: Results) -> None:
        run = Run(stack=stack, minter=TokenMinter(), sizes=sizes, tool=tool, workdir=workdir)
        urls = start_services(stack, run, SERVICES, extra_env=GATEWAY_ENV)
        print("[bench] create-lead, direct and through the gateway ...", flush=True)
        details = results.details
        details["create_lead"] = create_lead(run, urls)
        print("[bench] 360 view ...", flush=True)
        details["customer_360"] = asyncio.run(customer_view(run, urls, sizes.list_requests * 4))
        results.figures = figures(details["create_lead"], details["customer_360"])

    return run_benchmark(
        "gateway", steps, quick=args.quick, keep_workdir=args.keep_workdir, wrk_used=tool == "wrk"
    )


if __name__ == "__main__":
    sys.exit(main())
