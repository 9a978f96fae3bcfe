"""One tenant's CSV import against another tenant's work: ``python -m bench.neighbours``.

Starts its own broker and databases and all six processes (five services and the
gateway) the way ``crm up`` does. Tenant B has an automation rule (LeadCreated ->
in-app notice) and creates leads through the gateway at a steady open-loop rate:

1. alone (the baseline of the same run): latency of its creates and each rule's delay;
2. while tenant A imports a CSV of 100,000 leads (10,000 with ``--quick``) through the
   gateway, from the import's start until it answers.

A rule's delay is the time from B's create answered to the rule's run seen stored by
the campaigns service (polled every 0.25 s, during the import too). Targets (issue 17): B's
create p99 during the import at most 2x its p99 alone, and rules at most 5 s late.
Saves ``bench/results/neighbours-<UTC>.json`` and ``neighbours-latest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from bench.context import Run, Sizes
from bench.data import lead_csv
from bench.harness import Stack
from bench.importing import post_csv
from bench.platform import admin, start_platform
from bench.report import Figure
from bench.runner import Results, run_benchmark
from bench.stats import summarize_ms
from crm_devstack.testing import TokenMinter, unique_name

BENCHMARK = "noisy neighbour"
RATE = 5.0
"""Tenant B's creates per second."""
ALONE_S = 20.0
ROWS, QUICK_ROWS = 100_000, 10_000
IMPORT_BUDGET_S = 1800.0
RULES_DEADLINE_S = 600.0
"""How long to wait, after the import, for B's rules still to run."""
P99_RATIO_TARGET = 2.0
RULE_DELAY_TARGET_S = 5.0
RUNS = "automation_runs"
POLL_S = 0.25


@dataclass
class Phase:
    """B's creates in one phase: latencies, failures, and when each create answered."""

    latencies_s: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    answered: dict[str, float] = field(default_factory=dict)
    """Lead id -> wall-clock time its create answered."""


async def _create(client: httpx.AsyncClient, phase: Phase) -> None:
    uid = unique_name("nb")
    started = time.perf_counter()
    try:
        response = await client.post(
            "/api/v1/leads",
            json={"first_name": "Tetangga", "last_name": uid, "email": f"{uid}@b.example"},
        )
    except httpx.HTTPError as exc:
        phase.failures[type(exc).__name__] = phase.failures.get(type(exc).__name__, 0) + 1
        return
    phase.latencies_s.append(time.perf_counter() - started)
    if response.status_code != 201:
        key = str(response.status_code)
        phase.failures[key] = phase.failures.get(key, 0) + 1
        return
    phase.answered[response.json()["id"]] = time.time()


async def _steady(
    client: httpx.AsyncClient, phase: Phase, until: asyncio.Future[Any] | float
) -> None:
    """Creates at :data:`RATE` (open loop) into ``phase`` until ``until`` (a deadline or a
    task) is done."""
    tasks: list[asyncio.Task[None]] = []
    start = time.perf_counter()
    i = 0
    while True:
        if isinstance(until, float) and time.perf_counter() >= until:
            break
        if isinstance(until, asyncio.Future) and until.done():
            break
        tasks.append(asyncio.create_task(_create(client, phase)))
        i += 1
        await asyncio.sleep(max(0.0, start + i / RATE - time.perf_counter()))
    await asyncio.gather(*tasks)


class RuleWatch:
    """Polls the campaigns database every :data:`POLL_S`, while the load runs, for the
    rule runs of the leads the phases created: when each was first seen."""

    def __init__(self, mongo_url: str, db: str, tenant: str, phases: list[Phase]) -> None:
        self._client: AsyncMongoClient[Any] = AsyncMongoClient(mongo_url, retryWrites=False)
        self._runs = self._client[db][RUNS]
        self._tenant = tenant
        self._phases = phases
        self.seen: dict[str, float] = {}
        self.loading = True
        """Set to False once no more creates come: the watch then ends when every run
        was seen, or after :data:`RULES_DEADLINE_S`."""

    def _pending(self) -> list[str]:
        return [lead for p in self._phases for lead in p.answered if lead not in self.seen]

    async def run(self) -> None:
        """Poll until the load is over and every run was seen (or the deadline passed)."""
        deadline: float | None = None
        try:
            while True:
                pending = self._pending()
                if pending:
                    query = {"tenant_id": self._tenant, "subject": {"$in": pending}}
                    async for doc in self._runs.find(query, {"subject": 1}):
                        self.seen[doc["subject"]] = time.time()
                elif not self.loading:
                    return
                if not self.loading:
                    deadline = deadline or time.monotonic() + RULES_DEADLINE_S
                    if time.monotonic() > deadline:
                        return
                await asyncio.sleep(POLL_S)
        finally:
            await self._client.close()

    def delays(self, phase: Phase) -> dict[str, float]:
        """Lead id -> seconds from its create answered to its rule's run seen."""
        return {
            lead: self.seen[lead] - answered
            for lead, answered in phase.answered.items()
            if lead in self.seen
        }


async def _import(gateway: str, headers: dict[str, str], rows: int) -> dict[str, Any]:
    data = lead_csv(rows, unique_name("nbi"))
    started = time.perf_counter()
    report = await post_csv(f"{gateway}/api/v1/leads/import", headers, data, IMPORT_BUDGET_S)
    seconds = time.perf_counter() - started
    return {"rows": rows, "created": report["created"], "import_s": round(seconds, 1)}


def _summary(phase: Phase, delays: dict[str, float]) -> dict[str, Any]:
    return {
        "creates": summarize_ms(phase.latencies_s),
        "failures": phase.failures,
        "rules_expected": len(phase.answered),
        "rules_run": len(delays),
        "rule_delays": summarize_ms(list(delays.values())),
    }


def _p99_s(summary: dict[str, Any]) -> float | None:
    p99_ms = summary["rule_delays"]["p99_ms"]
    return None if p99_ms is None else round(p99_ms / 1000, 3)


async def measure(run: Run, stack: Stack, gateway: str, rows: int) -> dict[str, Any]:
    """Tenant B alone, then during tenant A's import."""
    tenant_a, tenant_b = unique_name("nb_a_"), unique_name("nb_b_")
    b_headers = admin(run, tenant_b)
    campaigns_db = f"{run.db_name}_campaigns"
    campaigns_url = stack.mongo_url_for("campaigns")
    async with httpx.AsyncClient(base_url=gateway, headers=b_headers, timeout=60) as client:
        rule = {
            "name": "Tell the team",
            "trigger": {"event_type": "LeadCreated"},
            "actions": [{"type": "notify_user", "user_id": "user_bench", "title": "New lead"}],
        }
        response = await client.post("/api/v1/automations", json=rule)
        response.raise_for_status()
        alone, during = Phase(), Phase()
        watch = RuleWatch(campaigns_url, campaigns_db, tenant_b, [alone, during])
        watching = asyncio.ensure_future(watch.run())
        print(f"[bench] tenant B alone for {ALONE_S:.0f} s ...", flush=True)
        await _steady(client, alone, time.perf_counter() + ALONE_S)
        print(f"[bench] tenant A imports {rows:,} rows; tenant B goes on ...", flush=True)
        importing = asyncio.ensure_future(_import(gateway, admin(run, tenant_a), rows))
        await _steady(client, during, importing)
        imported = await importing
    watch.loading = False
    await watching
    return {
        "rate_per_s": RATE,
        "import": imported,
        "alone": _summary(alone, watch.delays(alone)),
        "during_import": _summary(during, watch.delays(during)),
        "measured_at": datetime.now(UTC).isoformat(),
    }


def figures(result: dict[str, Any]) -> list[Figure]:
    """B's create p99 during the import vs alone, and its rules' delay."""
    alone, during = result["alone"], result["during_import"]
    p99_alone, p99_during = alone["creates"]["p99_ms"], during["creates"]["p99_ms"]
    ratio = p99_during / p99_alone if p99_alone else None
    delay = _p99_s(during)
    lost = during["rules_expected"] - during["rules_run"]
    rows = result["import"]["rows"]
    return [
        Figure(
            BENCHMARK,
            f"tenant B create p99 during a {rows:,}-row import",
            "ms",
            p99_during,
            baseline=p99_alone,
            baseline_label="tenant B alone, same run",
            target=f"<= {P99_RATIO_TARGET:g}x alone",
            met=ratio is not None and ratio <= P99_RATIO_TARGET and not during["failures"],
            note=f"failures {during['failures'] or 'none'}",
        ),
        Figure(
            BENCHMARK,
            "tenant B rule delay p99 during the import",
            "s",
            delay,
            baseline=_p99_s(alone),
            baseline_label="tenant B alone, same run",
            target=f"<= {RULE_DELAY_TARGET_S:g} s",
            met=delay is not None and delay <= RULE_DELAY_TARGET_S and lost == 0,
            note=f"{lost} rule run(s) missing after {RULES_DEADLINE_S:.0f} s",
        ),
        Figure(
            BENCHMARK,
            "tenant A import rate",
            "rows/s",
            round(result["import"]["created"] / result["import"]["import_s"], 1),
            baseline=None,
            baseline_label="",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the measurement once; returns 1 if a step failed."""
    parser = argparse.ArgumentParser(prog="python -m bench.neighbours")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,}-row import")
    parser.add_argument("--rows", type=int, help=f"rows imported ({ROWS:,})")
    parser.add_argument(
        "--rows-per-second", type=float, help="import budget (the services' default if unset)"
    )
    parser.add_argument("--batch-size", type=int, help="rows per import transaction")
    parser.add_argument("--keep-workdir", action="store_true", help="keep logs and data")
    args = parser.parse_args(argv)
    rows = args.rows or (QUICK_ROWS if args.quick else ROWS)
    budget, batch = args.rows_per_second, args.batch_size
    extra = {} if budget is None else {"IMPORT_ROWS_PER_SECOND": str(budget)}
    if batch is not None:
        extra["IMPORT_BATCH_SIZE"] = str(batch)

    def steps(stack: Stack, workdir: Path, results: Results) -> None:
        run = Run(
            stack=stack,
            minter=TokenMinter(),
            sizes=Sizes.for_mode(quick=args.quick),
            tool="python",
            workdir=workdir,
        )
        urls = start_platform(stack, run, extra)
        result = asyncio.run(measure(run, stack, urls["gateway"], rows))
        results.details.update(
            result,
            import_rows_per_second=budget or "default",
            import_batch_size=batch or "default",
        )
        results.figures = figures(result)

    return run_benchmark("neighbours", steps, quick=args.quick, keep_workdir=args.keep_workdir)


if __name__ == "__main__":
    sys.exit(main())
