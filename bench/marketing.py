"""Benchmarks of the campaigns and notifications services: ``python -m bench.marketing``.

Starts its own Tansu broker and SecantusDB on free loopback ports and the campaigns and
notifications services as processes through the launcher behind ``crm up``; measures

1. event -> webhook received at 50 events/s for 30 s (vs the raw Kafka round trip);
2. a campaign of 10,000 members: e-mails/s handed to SMTP (vs a raw aiosmtplib loop).

Prints a table and saves JSON to ``bench/results/marketing-<UTC>.json`` (and
``marketing-latest.json``). Everything started is stopped by PID at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from pathlib import Path
from typing import Any

from bench import campaign_mail, events, webhooks
from bench.context import Run, Sizes
from bench.harness import Stack
from bench.platform import start_services
from bench.runner import Results, run_benchmark
from crm_devstack.testing import TokenMinter

WEBHOOK_RATE = 50.0
WEBHOOK_SECONDS = 30.0
MEMBERS = 10_000


async def run_all(
    run: Run, urls: dict[str, str], smtp: Any, counter: Any, members: int
) -> dict[str, Any]:
    """Both benchmarks and their baselines, in one event loop."""
    baseline = await events.kafka_round_trip(run)
    hooks = await webhooks.measure(
        run, urls["notifications"], rate=run.sizes.event_rate, seconds=run.sizes.event_duration_s
    )
    raw = await campaign_mail.raw_rate(smtp.port, counter)
    campaign = await campaign_mail.measure(run, urls["campaigns"], counter, members=members)
    return {"kafka_baseline": baseline, "webhooks": hooks, "smtp_raw": raw, "campaign": campaign}


def main(argv: list[str] | None = None) -> int:
    """Run both benchmarks once; returns 1 if a step failed."""
    parser = argparse.ArgumentParser(prog="python -m bench.marketing")
    parser.add_argument("--quick", action="store_true", help="5 s of events, 1,000 members")
    parser.add_argument("--keep-workdir", action="store_true", help="keep logs and data")
    args = parser.parse_args(argv)
    sizes = dataclasses.replace(
        Sizes.for_mode(quick=args.quick),
        event_rate=WEBHOOK_RATE,
        event_duration_s=5.0 if args.quick else WEBHOOK_SECONDS,
    )
    members = 1_000 if args.quick else MEMBERS

    def steps(stack: Stack, workdir: Path, results: Results) -> None:
        run = Run(stack=stack, minter=TokenMinter(), sizes=sizes, tool="python", workdir=workdir)
        smtp, counter = campaign_mail.start_smtp()
        try:
            settings = {
                "notifications": {
                    "SMTP_PORT": str(smtp.port),
                    "SMTP_CONNECTIONS": str(campaign_mail.SMTP_CONNECTIONS),
                    "WEBHOOK_ALLOW_HOSTS": '["127.0.0.1"]',
                },
                "campaigns": {"SEND_RATE_PER_S": "100000"},
            }
            services = ("campaigns", "notifications")
            urls = start_services(stack, run, services, service_settings=settings)
            print("[bench] webhooks, raw SMTP, campaign ...", flush=True)
            details = results.details
            details.update(asyncio.run(run_all(run, urls, smtp, counter, members)))
            results.figures += webhooks.figures(details["webhooks"], details["kafka_baseline"])
            results.figures += campaign_mail.figures(details["campaign"], details["smtp_raw"])
        finally:
            smtp.stop()

    return run_benchmark("marketing", steps, quick=args.quick, keep_workdir=args.keep_workdir)


if __name__ == "__main__":
    sys.exit(main())
