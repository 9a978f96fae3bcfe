"""Benchmarks of the conversion flow and the deal reports: ``python -m bench.contacts_deals``.

Starts its own Tansu broker and SecantusDB on free loopback ports, and the leads, contacts
and deals services as separate processes through the launcher behind ``crm up``; measures

1. LeadConverted -> contact readable in contacts and deal readable in deals, at 20
   conversions/s for 30 s, and at 5/s and 10/s to show where the flow saturates (vs the
   raw aiokafka produce -> consume round trip);
2. the pipeline, forecast and win/loss reports at 10k and 100k deals (p50 each).

Prints a table and saves JSON to ``bench/results/contacts-deals-<UTC>.json`` (and
``contacts-deals-latest.json``). Everything started is stopped by PID at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from pathlib import Path
from typing import Any

import httpx

from bench import conversion, deal_reports, events
from bench.context import Run, Sizes
from bench.harness import Stack, cpu_meter
from bench.platform import admin, start_services
from bench.runner import Results, run_benchmark
from crm_devstack.testing import TokenMinter, unique_name, wait_consumed

SERVICES = ("leads", "contacts", "deals")
CONVERSION_RATE = 20.0
CONVERSION_SECONDS = 30.0


async def convert_at(run: Run, urls: dict[str, str], rate: float) -> dict[str, Any]:
    """Conversions at ``rate``/s for the configured time, with the cores each process used."""
    cpu: dict[str, Any] = {}
    with cpu_meter(run.stack.pids(), cpu):
        flow = await conversion.measure(
            urls=urls,
            headers=admin(run, unique_name("bench_conv_")),
            bootstrap=run.stack.kafka_bootstrap,
            topics={
                "contacts": f"{run.topic_prefix}contacts",
                "deals": f"{run.topic_prefix}deals",
            },
            rate=rate,
            seconds=run.sizes.event_duration_s,
        )
    return {**flow, "cpu_cores": cpu}


SUBSCRIPTIONS = {
    "contacts": ("leads", "deals"),
    "deals": ("leads", "contacts"),
    "leads": ("contacts", "deals"),
}
"""Consumer group (the service name) -> the services whose topics it reads."""
DRAIN_TIMEOUT_S = 600.0


async def drain(run: Run) -> None:
    """Wait until every service has applied every event published so far (the backlog an
    earlier run at a rate beyond the platform's throughput left behind)."""
    for group, owners in SUBSCRIPTIONS.items():
        for owner in owners:
            await wait_consumed(
                run.stack.kafka_bootstrap,
                group=group,
                topic=f"{run.topic_prefix}{owner}",
                timeout=DRAIN_TIMEOUT_S,
            )


def conversion_rates(rate: float) -> list[float]:
    """The asked rate and two lower ones, lowest first, to show where the flow saturates."""
    return [rate / 4, rate / 2, rate]


async def conversion_flow(run: Run, urls: dict[str, str]) -> dict[str, Any]:
    """Benchmark 1 at each of :func:`conversion_rates` (each after the backlog of the one
    before drained), and the baseline, in the same run."""
    baseline = await events.kafka_round_trip(run)
    runs = []
    for rate in conversion_rates(run.sizes.event_rate):
        await drain(run)
        runs.append(await convert_at(run, urls, rate))
    await drain(run)  # the reports are timed on an idle platform
    return {"runs": runs, "baseline": baseline}


async def reports_at(run: Run, deals_url: str, count: int) -> dict[str, Any]:
    """Seed ``count`` deals in a fresh tenant, rebuild, time the reports."""
    tenant = unique_name("bench_reports_")
    async with httpx.AsyncClient(
        base_url=deals_url, headers=admin(run, tenant), timeout=60
    ) as client:
        pipelines = (await client.get("/v1/pipelines")).raise_for_status().json()
        seconds = await deal_reports.seed(
            mongo_url=run.stack.mongo_url_for("deals"),
            db_name=f"{run.db_name}_deals",
            tenant=tenant,
            pipeline_id=pipelines["items"][0]["id"],
            count=count,
        )
        measured = await deal_reports.measure_tenant(client, requests=run.sizes.list_requests)
    return {"deals": count, "seed_seconds": round(seconds, 1), **measured}


def main(argv: list[str] | None = None) -> int:
    """Run both benchmarks once; returns 1 if a step failed."""
    parser = argparse.ArgumentParser(prog="python -m bench.contacts_deals")
    parser.add_argument("--quick", action="store_true", help="5 s of conversions, 1k/10k deals")
    parser.add_argument("--keep-workdir", action="store_true", help="keep logs and data")
    parser.add_argument("--rate", type=float, default=CONVERSION_RATE, help="conversions/s")
    parser.add_argument("--skip-reports", action="store_true", help="conversion flow only")
    parser.add_argument("--skip-conversion", action="store_true", help="deal reports only")
    args = parser.parse_args(argv)
    base = Sizes.for_mode(quick=args.quick)
    sizes = dataclasses.replace(
        base,
        event_rate=args.rate,
        event_duration_s=5.0 if args.quick else CONVERSION_SECONDS,
    )
    deal_counts = (1_000, 10_000) if args.quick else (10_000, 100_000)

    def steps(stack: Stack, workdir: Path, results: Results) -> None:
        run = Run(stack=stack, minter=TokenMinter(), sizes=sizes, tool="python", workdir=workdir)
        urls = start_services(stack, run, SERVICES)
        if not args.skip_conversion:
            print("[bench] conversion flow ...", flush=True)
            flow = results.details["conversion"] = asyncio.run(conversion_flow(run, urls))
            for measured in flow["runs"]:
                asked = measured["rate_per_s"] == sizes.event_rate
                results.figures += conversion.figures(measured, flow["baseline"], target=asked)
        reports = {}
        for count in () if args.skip_reports else deal_counts:
            print(f"[bench] reports at {count:,} deals ...", flush=True)
            reports[count] = asyncio.run(reports_at(run, urls["deals"], count))
        if reports:
            results.details["reports"] = {str(k): v for k, v in reports.items()}
            small, big = (reports[c] for c in deal_counts)
            results.figures += deal_reports.figures(small, big, deal_counts)

    return run_benchmark("contacts-deals", steps, quick=args.quick, keep_workdir=args.keep_workdir)


if __name__ == "__main__":
    sys.exit(main())
