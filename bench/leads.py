"""Benchmarks of the leads service: ``uv run python -m bench.leads [--quick]``.

Starts its own Tansu broker and SecantusDB (fresh data directory) on free loopback ports,
runs the leads service (and the baselines) as separate uvicorn processes, and measures:

1. ``POST /v1/leads`` throughput and latency at concurrency 32 (vs a one-insert app);
2. LeadCreated commit -> consumed latency at 100 events/s (vs raw Kafka round trip);
3. CSV import of 100k rows with events (vs raw ``insert_many`` of the same documents);
4. first-page list latency at 1k and 100k leads (vs the raw driver find).

Prints a table and saves JSON to ``bench/results/leads-<UTC>.json`` and ``leads-latest.json``.
Everything started is stopped by PID at the end; every wait has a deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bench import create, events, importing, listing
from bench.backlog import wait_drained
from bench.context import Run, Sizes, start_leads
from bench.harness import cpu_meter, machine_facts, start_stack
from bench.load import wrk_available
from bench.report import Figure, finish, result_payload
from crm_devstack.testing import TokenMinter, unique_name

T = TypeVar("T")
IDLE_SAMPLE_S = 3.0
DRAIN_TIMEOUT_S = 300.0


class Scenarios:
    """Runs the four benchmarks in order, collecting figures, details and errors."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.figures: list[Figure] = []
        self.errors: list[dict[str, str]] = []
        self.tenants = {
            name: unique_name(f"bench_{name}_") for name in ("create", "events", "big", "small")
        }

    def step(self, name: str, action: Callable[[], T]) -> T | None:
        """Run one step; on failure record the error (with traceback) and go on."""
        print(f"[bench] {name} ...", flush=True)
        started = time.perf_counter()
        try:
            result = action()
        except Exception as exc:
            self.errors.append(
                {
                    "step": name,
                    "error": f"{type(exc).__name__}: {exc}",
                    "traceback": traceback.format_exc(),
                }
            )
            print(f"[bench] {name} FAILED: {type(exc).__name__}: {exc}", flush=True)
            return None
        print(f"[bench] {name} done in {time.perf_counter() - started:.1f} s", flush=True)
        return result

    @property
    def details(self) -> dict[str, Any]:
        """Raw measurements, by benchmark."""
        return self.run.details

    def run_all(self) -> None:
        """Benchmark 1 baseline, then start the leads service and run everything else."""
        baseline = self.step("create-lead baseline", lambda: create.measure_baseline(self.run))
        if self.step("start leads service", lambda: start_leads(self.run)) is None:
            return
        self.details["idle_cpu_cores"] = self.step("idle CPU sample", self._idle_cpu)
        self._create(baseline)
        self._events()
        self._import_and_list()

    def _idle_cpu(self) -> dict[str, Any]:
        """Cores each process uses while nothing is asked of it (polling consumers, relay)."""
        cpu: dict[str, Any] = {}
        with cpu_meter(self.run.stack.pids(), cpu):
            time.sleep(IDLE_SAMPLE_S)
        return cpu

    def _create(self, baseline: dict[str, Any] | None) -> None:
        run = self.run
        leads = self.step(
            "create-lead leads", lambda: create.measure_leads(run, self.tenants["create"])
        )
        self.details["create_lead"] = {"leads": leads, "baseline": baseline}
        if leads is None:
            return
        drained = self.step(
            "wait for create-lead events",
            lambda: asyncio.run(wait_drained(self.run, timeout=DRAIN_TIMEOUT_S)),
        )
        self.details["create_lead"]["outbox_drain_after_load_s"] = drained
        if baseline is not None:
            self.figures += create.figures(leads, baseline)

    def _events(self) -> None:
        run = self.run
        baseline = self.step(
            "kafka round-trip baseline", lambda: asyncio.run(events.kafka_round_trip(run))
        )
        leads = self.step(
            "commit->consumed latency",
            lambda: asyncio.run(events.commit_to_consumed(run, self.tenants["events"])),
        )
        self.details["events"] = {"leads": leads, "baseline": baseline}
        if leads is not None and baseline is not None:
            self.figures += events.figures(leads, baseline)

    def _import_and_list(self) -> None:
        run, sizes = self.run, self.run.sizes
        big = self.step(
            f"import {sizes.import_rows:,} rows",
            lambda: asyncio.run(
                importing.import_csv(
                    run, self.tenants["big"], sizes.import_rows, budget_s=sizes.import_budget_s
                )
            ),
        )
        raw = None
        if big is not None:
            raw = self.step(
                "raw insert_many baseline",
                lambda: asyncio.run(
                    importing.raw_insert_many(run, self.tenants["big"], sizes.indexed_insert_rows)
                ),
            )
        self.details["import"] = {"leads": big, "baseline": raw}
        if big is not None and raw is not None:
            self.figures += importing.figures(big, raw)
        small = self.step(
            f"import {sizes.small_rows:,} rows (small tenant)",
            lambda: asyncio.run(
                importing.import_csv(
                    run, self.tenants["small"], sizes.small_rows, budget_s=sizes.import_budget_s
                )
            ),
        )
        if big is None or small is None:
            return
        lists = {label: self._list(label) for label in ("small", "big")}
        self.details["list"] = {
            "tenant_rows": {"small": small["created"], "big": big["created"]},
            "small_import": small,
            **lists,
        }
        if lists["small"] is not None and lists["big"] is not None:
            self.figures += listing.figures(
                lists["small"], lists["big"], small["created"], big["created"]
            )

    def _list(self, label: str) -> dict[str, Any] | None:
        """All list queries against the ``small`` or ``big`` tenant."""
        tenant = self.tenants[label]
        return self.step(
            f"list queries @{label}",
            lambda: asyncio.run(listing.measure_tenant(self.run, tenant)),
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.leads", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="short runs, 10k-row import")
    parser.add_argument(
        "--tool",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="HTTP load tool (auto: wrk if on PATH, else the Python generator)",
    )
    parser.add_argument("--keep-workdir", action="store_true", help="keep logs and data")
    return parser.parse_args(argv)


def choose_tool(wanted: str) -> str:
    """``wrk`` or ``python``."""
    if wanted == "auto":
        return "wrk" if wrk_available() else "python"
    if wanted == "wrk" and not wrk_available():
        raise SystemExit("wrk is not on PATH (make bench installs it); use --tool python")
    return wanted


def list_diagnostics(details: dict[str, Any]) -> str:
    """A second table: every list query, both sizes, service and raw driver timings."""
    lists = details.get("list") or {}
    rows = [("query", "tenant", "leads", "p50", "p99", "first", "raw p50", "keys p50", "items")]
    for label in ("small", "big"):
        measured = lists.get(label) or {}
        for query, m in measured.items():
            rows.append(
                (
                    query,
                    label,
                    str(lists["tenant_rows"][label]),
                    f"{m['http']['p50_ms']}",
                    f"{m['http']['p99_ms']}",
                    f"{m['http']['first_ms']}",
                    f"{m['raw_find']['p50_ms']}",
                    f"{m['raw_page_keys'].get('p50_ms')}",
                    str(m["http"]["items"]),
                )
            )
    if len(rows) == 1:
        return ""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark once; returns the exit status (1 if any step failed)."""
    args = parse_args(argv)
    tool = choose_tool(args.tool)
    sizes = Sizes.for_mode(quick=args.quick)
    started_at = datetime.now(UTC)
    workdir = Path(tempfile.mkdtemp(prefix="bench-leads-"))
    print(f"[bench] workdir {workdir}; load tool {tool}; quick={args.quick}", flush=True)
    stack = start_stack(workdir)
    try:
        run = Run(stack=stack, minter=TokenMinter(), sizes=sizes, tool=tool, workdir=workdir)
        scenarios = Scenarios(run)
        scenarios.run_all()
    finally:
        stack.stop()
    payload = result_payload(
        "leads",
        started_at=started_at,
        quick=args.quick,
        machine=machine_facts(wrk_used=tool == "wrk"),
        figures=scenarios.figures,
        details=scenarios.details,
        errors=scenarios.errors,
        load_tool=tool,
        sizes=asdict(sizes),
    )
    diagnostics = list_diagnostics(scenarios.details)
    return finish(
        payload,
        scenarios.figures,
        errors=[f"{e['step']}: {e['error']}" for e in scenarios.errors],
        workdir=workdir,
        keep_workdir=args.keep_workdir,
        extra="\nlist diagnostics (ms):\n" + diagnostics if diagnostics else "",
    )


if __name__ == "__main__":
    sys.exit(main())
