"""What one business operation costs the servers, end to end: ``python -m bench.costs``.

Starts its own Tansu broker and SecantusDB, each behind a counting proxy
(:mod:`bench.wire`; the broker advertises its proxy's address), and the whole platform
(five services and the gateway, with ``crm up``'s settings, e-mail to an SMTP sink in
this process). Every request the platform's processes send the servers is counted at the
wire: database commands by name (and by database, by process), transactions (commands
carrying ``startTransaction``), Kafka requests by API. The benchmark's own requests (its
probes and readers) are attributed to it and left out.

How an operation (:mod:`bench.cost_ops`, each through the gateway as a client would) is
measured:

1. prepare what it needs (records, readers, a webhook subscription); wait until the
   platform is quiet (:class:`bench.counted.Probe`: every consumer group caught up,
   outboxes empty, delivery jobs settled) and :data:`SETTLE_S` more (consumers back to
   long polls);
2. run it ``k`` times, one at a time: each one starts once what the previous one set off
   has settled (so each pays its own fan-out, none is batched with the next);
3. wait until quiet with the operation's effects seen (the converted contact and deal
   published, the webhooks received, the e-mails in the sink), :data:`SETTLE_S` more,
   and on to a whole number of :data:`ALIGN_S` since the start: the window closes there;
   then an idle window (``--window-seconds``, also whole :data:`ALIGN_S`; 0: none);
4. cost per unit = (the window's counts - the idle rate x its length) / units, per
   counted key. The idle rate is that of every idle window of the run pooled (the idle
   measurement and the windows after each operation). The platform's idle database
   traffic is periodic (pollers, monitors, relays' scans, with periods dividing
   :data:`ALIGN_S`), so windows of whole :data:`ALIGN_S` hold a whole number of each
   periodic request whatever its phase, and the subtraction leaves what the operation
   caused (to within a request or so per window: a poller the operation woke shifts its
   phase).

Event fan-out is thus included: every consumer, relay and dispatcher the operation set
off. Database commands and transactions hardly depend on the pace; broker requests do:
a consumer that received records fetches eagerly (10 ms waits) for 2 s before it
long-polls again, so Fetch requests per operation are those of operations about a
second apart (a lone operation sets off more, a burst fewer).

Before measuring, each operation runs once (warm-up: topics, caches, the default
pipeline); then the idle cost: CPU seconds per minute of each process and requests per
second with no traffic (``--idle-seconds``). A webhook delivery costs what "create lead +
webhook" costs more than "create lead", per webhook received. The API has no bulk update
(checked in each service's OpenAPI at run time; the result says so).

Prints the costs, the idle cost and the budgets (:mod:`bench.costs_budget`, enforced by
``tests/costs``), and saves ``bench/results/costs-<UTC>.json`` and ``costs-latest.json``
(figures for ``bench.summary``; the break-downs by command, database, process and API,
CPU milliseconds per unit of each process, under ``details``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import campaign_mail
from bench.context import Run, Sizes
from bench.cost_ops import (
    Gateway,
    Operation,
    Platform,
    campaign_email,
    convert_lead,
    create_contact,
    create_lead,
    import_csv,
    lead_with_webhook,
    log_activity,
    move_stage,
    update_lead,
)
from bench.costs_budget import BUDGETS, TARGETS
from bench.counted import (
    CountedStack,
    Probe,
    Window,
    cost_per_unit,
    idle_window,
    start_counted_stack,
    summarize,
)
from bench.harness import Stack, cpu_seconds
from bench.platform import PLATFORM, admin, start_services
from bench.report import Figure
from bench.runner import Results, run_benchmark
from crm_devstack.servers import free_port
from crm_devstack.services import LONG_RUNNING_ENV, local_settings
from crm_devstack.testing import TokenMinter, unique_name
from crm_shared.settings import ServiceSettings

BENCHMARK = "cost model"
QUIET_TIMEOUT_S = 180.0
WEBHOOK_OP = "create lead + webhook"
WEBHOOK_DELIVERY = "webhook delivery"
Builder = Callable[[Platform, int], Operation]
_DEFAULTS = ServiceSettings.model_fields
SETTLE_S = _DEFAULTS["kafka_fetch_idle_after_ms"].default / 1000 + 1.0
"""After a burst, consumers fetch eagerly for ``kafka_fetch_idle_after_ms`` (then long-poll
again): a window ends, and an idle one starts, this long after the platform went quiet."""
ALIGN_S = float(_DEFAULTS["outbox_poll_interval_s"].default)
"""Every window lasts a whole number of these: the longest period of the database's idle
traffic (each relay's safety-net scan and lease renewal; the pollers of the delivery
queues and the monitors' ``hello`` come every second or faster), so a window holds a
whole number of each periodic request whatever their phase."""


@dataclass(frozen=True)
class Plan:
    """What to measure and how long to look."""

    operations: Sequence[tuple[Builder, int]]
    """Each operation's builder and its size (operations, contacts or rows)."""
    window_s: float
    """Each idle window around an operation."""
    idle_s: float
    """The idle-cost measurement (0: none)."""
    warm_up: bool = True


def full_plan(*, k: int, members: int, rows: int, window_s: float, idle_s: float) -> Plan:
    """Every operation of the cost model (the webhook one last: its subscription stays)."""
    return Plan(
        operations=[
            (create_lead, k),
            (update_lead, k),
            (log_activity, k),
            (create_contact, k),
            (move_stage, k),
            (convert_lead, k),
            (import_csv, rows),
            (campaign_email, members),
            (lead_with_webhook, k),
        ],
        window_s=window_s,
        idle_s=idle_s,
    )


def budget_plan(*, k: int, window_s: float, idle_s: float) -> Plan:
    """The operations :data:`bench.costs_budget.BUDGETS` covers (``tests/costs``)."""
    return Plan(
        operations=[
            (create_lead, k),
            (update_lead, k),
            (move_stage, k),
            (convert_lead, k),
            (lead_with_webhook, k),
        ],
        window_s=window_s,
        idle_s=idle_s,
    )


def budget_check(details: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each budgeted cost measured in ``details``: measured, budget, within it or not
    (a budgeted operation that was not measured is not within it)."""
    costs = {name: r["per_unit"] for name, r in details["operations"].items()}
    if "webhook_delivery" in details:
        costs[WEBHOOK_DELIVERY] = details["webhook_delivery"]
    checked = {}
    for name, budget in BUDGETS.items():
        per = costs.get(name, {})
        commands, transactions = per.get("db_commands"), per.get("transactions")
        within = (
            commands is not None
            and transactions is not None
            and commands <= budget.db_commands
            and transactions <= budget.transactions
        )
        checked[name] = {
            "db_commands": commands,
            "transactions": transactions,
            "budget": {"db_commands": budget.db_commands, "transactions": budget.transactions},
            "within": within,
        }
    return checked


def budget_table(checked: Mapping[str, Mapping[str, Any]]) -> str:
    """Measured against budget, per budgeted operation."""
    rows = [
        (
            name,
            f"{c['db_commands']}",
            f"{c['budget']['db_commands']:g}",
            f"{c['transactions']}",
            f"{c['budget']['transactions']:g}",
            "yes" if c["within"] else "NO",
        )
        for name, c in checked.items()
    ]
    header = ("budgeted", "DB cmds", "budget", "txns", "budget", "within")
    return _table(header, rows, {1, 2, 3, 4})


# --------------------------------------------------------------------------- the platform


@contextlib.contextmanager
def smtp_sink() -> Iterator[tuple[int, campaign_mail.Counter]]:
    """An SMTP server in this process counting what it receives: its port and counter."""
    controller, counter = campaign_mail.start_smtp()
    try:
        yield controller.port, counter
    finally:
        controller.stop()


def start_platform(stack: Stack, run: Run, smtp_port: int) -> dict[str, str]:
    """Every service and the gateway with ``crm up``'s settings (the group and database
    heartbeats of a platform left running, e-mail to ``smtp_port``, webhooks allowed to
    loopback receivers); their base URLs."""
    ports = {name: free_port() for name in PLATFORM}
    settings = local_settings(
        gateway_port=ports["gateway"],
        smtp_port=smtp_port,
        tracking_secret="bench-tracking-secret",
        service_secret="bench-service-secret",
    )
    settings["notifications"]["WEBHOOK_ALLOW_HOSTS"] = '["127.0.0.1"]'
    return start_services(
        stack, run, PLATFORM, extra_env=LONG_RUNNING_ENV, service_settings=settings, ports=ports
    )


def bulk_update_paths(urls: Mapping[str, str]) -> dict[str, list[str]]:
    """Paths of each domain service's OpenAPI that look like a bulk update."""
    found: dict[str, list[str]] = {}
    for name, url in urls.items():
        if name == "gateway":
            continue
        paths = httpx.get(f"{url}/openapi.json", timeout=10).json().get("paths", {})
        found[name] = [p for p in paths if "bulk" in p.lower() or "batch" in p.lower()]
    return found


# --------------------------------------------------------------------------- measuring


class Meter:
    """Measures operations on one running platform."""

    def __init__(self, stack: CountedStack, run: Run, probe: Probe, plan: Plan) -> None:
        self.stack = stack
        self.run = run
        self.probe = probe
        self.plan = plan
        self._prefix = f"{run.db_name}_"
        self.idle = Window({}, 0.0)
        """Every idle window so far, pooled: the idle rate subtracted from each window
        (periodic requests make a short window's count off by one per source)."""

    def database_name(self, name: str) -> str:
        """A service's database by the service's name (the run's prefix dropped)."""
        return name.removeprefix(self._prefix)

    def summary(self, costs: Mapping[Any, float]) -> dict[str, Any]:
        """Totals and break-downs, databases by service name."""
        return summarize(costs, database_names=self.database_name)

    async def quiet(self, what: str, operation: Operation | None = None) -> None:
        """Wait until the platform is quiet (and ``operation``'s effect holds), then until
        every consumer went back to long polls (:data:`SETTLE_S`)."""
        effect = operation.effect if operation is not None else None
        await self.probe.quiet(timeout=QUIET_TIMEOUT_S, effect=effect, what=what)
        await asyncio.sleep(SETTLE_S)

    async def warm_up(self, operation: Operation) -> None:
        """Run ``operation`` once, unmeasured."""
        async with contextlib.AsyncExitStack() as exits:
            await operation.prepare(exits)
            await self.probe.quiet(timeout=QUIET_TIMEOUT_S, what="warm-up")
            for i in range(operation.count):
                await operation.step(i)
            await self.probe.quiet(timeout=QUIET_TIMEOUT_S, effect=operation.effect)

    async def idle_cost(self, seconds: float) -> dict[str, Any]:
        """CPU per minute of each process and requests per second, with no traffic."""
        await self.quiet("before the idle measurement")
        pids = {**self.stack.pids(), "bench": self.stack.owners()["bench"]}
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        window = await self.idle_window(seconds)
        cpu = {
            name: round((cpu_seconds(pid) - before[name]) * 60.0 / window.seconds, 2)
            for name, pid in pids.items()
        }
        return {
            "seconds": round(window.seconds, 1),
            "cpu_seconds_per_minute": cpu,
            "per_second": self.summary(window.rate()),
        }

    async def idle_window(self, seconds: float | None = None) -> Window:
        """An idle window (``plan.window_s`` long unless told, rounded up to whole
        :data:`ALIGN_S`), checked to be idle: a record published meanwhile fails it."""
        ends = (await self.probe.state()).ends
        window = await idle_window(self.stack, aligned(seconds or self.plan.window_s))
        if (await self.probe.state()).ends != ends:
            raise RuntimeError("records were published during an idle window")
        self.idle += window
        return window

    async def measure_all(self, operations: Sequence[Operation]) -> dict[str, dict[str, Any]]:
        """Prepare every operation (``alone`` ones right before their turn), then measure
        each, with an idle window after each one (unless ``plan.window_s`` is 0)."""
        results: dict[str, dict[str, Any]] = {}
        async with contextlib.AsyncExitStack() as exits:
            for operation in operations:
                if not operation.alone:
                    await operation.prepare(exits)
            idle_before: Window | None = None
            for operation in operations:
                if operation.alone:
                    await operation.prepare(exits)
                    idle_before = None
                if idle_before is None:
                    await self.quiet(f"before {operation.name}")
                    if self.plan.window_s:
                        idle_before = await self.idle_window()
                print(f"[bench] {operation.name} x{operation.count} ...", flush=True)
                began = time.perf_counter()
                result = await self.measure(operation)
                if self.plan.window_s:
                    idle_after = await self.idle_window()
                    if idle_before is not None:
                        around = self.summary((idle_before + idle_after).rate())
                        result["idle_per_second_around"] = around
                    idle_before = idle_after
                cost = cost_per_unit(result.pop("active"), self.idle, result["units"])
                result["per_unit"] = self.summary(cost)
                result["idle_s"] = round(self.idle.seconds, 1)
                result["idle_per_second"] = self.summary(self.idle.rate())
                result["measured_in_s"] = round(time.perf_counter() - began, 1)
                results[operation.name] = result
                per = result["per_unit"]
                print(
                    f"[bench]   {per['db_commands']} commands, {per['transactions']} "
                    f"transactions, {per['broker_requests']} broker requests per "
                    f"{operation.unit} ({result['measured_in_s']} s)",
                    flush=True,
                )
        return results

    async def measure(self, operation: Operation) -> dict[str, Any]:
        """Run ``operation`` (prepared, the platform quiet): what its window counted
        (``active``, a :class:`Window`), how long it took, the CPU it cost."""
        pids = self.stack.pids()
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        counts_before, started = self.stack.counts(), time.perf_counter()
        answered = 0.0
        for i in range(operation.count):
            if i:  # each one alone: what the previous one set off has settled
                await self.probe.quiet(timeout=QUIET_TIMEOUT_S, what=operation.name)
            asked = time.perf_counter()
            await operation.step(i)
            answered += time.perf_counter() - asked
        await self.quiet(f"after {operation.name}", operation)
        elapsed = time.perf_counter() - started
        await asyncio.sleep(aligned(elapsed) - elapsed)
        counts_after, ended = self.stack.counts(), time.perf_counter()
        cpu_after = {name: cpu_seconds(pid) for name, pid in pids.items()}
        units = operation.done_units()
        active = Window.between(counts_before, counts_after, ended - started)
        return {
            "operation": operation.name,
            "unit": operation.unit,
            "units": units,
            "count": operation.count,
            "answered_s": round(answered, 2),
            "window_s": round(active.seconds, 2),
            "active": active,
            "window_counts": self.summary(active.counts),
            "cpu_ms_per_unit": {
                name: round((cpu_after[name] - cpu_before[name]) * 1000 / units, 2) for name in pids
            },
            "observed": {name: read() for name, read in operation.observed.items()},
        }


def aligned(seconds: float) -> float:
    """``seconds`` rounded up to a whole number of :data:`ALIGN_S`."""
    return math.ceil(seconds / ALIGN_S - 1e-9) * ALIGN_S


async def measure_costs(
    stack: CountedStack, run: Run, urls: Mapping[str, str], mail: Any, plan: Plan
) -> dict[str, Any]:
    """Warm up, measure the idle cost, then each operation of ``plan``; the raw results."""
    tenant = unique_name("bench_costs_")
    gateway = Gateway(urls["gateway"], admin(run, tenant))
    platform = Platform(gateway, stack.kafka_bootstrap, run.topic_prefix, mail)
    databases = {f"{run.db_name}_{name}": stack.direct_mongo_url_for(name) for name in PLATFORM}
    details: dict[str, Any] = {}
    try:
        async with Probe(stack, databases, run.topic_prefix) as probe:
            meter = Meter(stack, run, probe, plan)
            if plan.warm_up:
                for build, _ in plan.operations:
                    operation = build(platform, 1)
                    if not operation.alone:  # an alone one changes what comes after it
                        print(f"[bench] warming up: {operation.name}", flush=True)
                        await meter.warm_up(operation)
                probe.forget_queues()  # the warm-up used every queue there is
            if plan.idle_s:
                print(f"[bench] idle cost over {plan.idle_s:.0f} s ...", flush=True)
                details["idle"] = await meter.idle_cost(plan.idle_s)
            operations = [build(platform, size) for build, size in plan.operations]
            details["operations"] = await meter.measure_all(operations)
    finally:
        await gateway.close()
    delivery = webhook_delivery(details["operations"])
    if delivery is not None:
        details["webhook_delivery"] = delivery
    return details


def webhook_delivery(operations: Mapping[str, Any]) -> dict[str, Any] | None:
    """Cost of one delivered webhook: "create lead + webhook" less "create lead", per
    webhook the receiver got (None unless both were measured)."""
    if WEBHOOK_OP not in operations or "create lead" not in operations:
        return None
    hooked, plain = operations[WEBHOOK_OP], operations["create lead"]
    per_op = hooked["observed"]["webhooks_received"] / hooked["units"]
    if not per_op:
        return {"webhooks_per_op": 0.0}

    def extra(field: str) -> float:
        difference = hooked["per_unit"][field] - plain["per_unit"][field]
        return round(float(difference) / float(per_op), 2)

    def extra_by(field: str) -> dict[str, float]:
        a, b = hooked["per_unit"][field], plain["per_unit"][field]
        values = {k: (a.get(k, 0.0) - b.get(k, 0.0)) / per_op for k in set(a) | set(b)}
        return {k: round(v, 2) for k, v in sorted(values.items(), key=lambda i: -i[1]) if v}

    return {
        "webhooks_per_op": round(per_op, 2),
        "db_commands": extra("db_commands"),
        "transactions": extra("transactions"),
        "broker_requests": extra("broker_requests"),
        "broker_requests_besides_fetch": extra("broker_requests_besides_fetch"),
        "db_by_command": extra_by("db_by_command"),
        "db_by_process": extra_by("db_by_process"),
    }


# --------------------------------------------------------------------------- reporting


def _top(values: Mapping[str, float], n: int = 4, floor: float = 0.1) -> str:
    shown = [f"{k} {v:g}" for k, v in list(values.items())[:n] if v >= floor]
    return ", ".join(shown)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = [
            (c.rjust(w) if i in right else c.ljust(w))
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def cost_table(details: Mapping[str, Any]) -> str:
    """Per operation: commands, transactions, broker requests, top commands and APIs."""
    rows = []
    for name, result in details["operations"].items():
        per = result["per_unit"]
        rows.append(
            (
                name,
                f"{result['units']:g} {result['unit']}",
                f"{per['db_commands']:.1f}",
                f"{per['transactions']:.2f}",
                f"{per['broker_requests']:.1f}",
                f"{per['broker_requests_besides_fetch']:.1f}",
                _top(per["db_by_command"]),
                _top(per["broker_by_api"], 3),
            )
        )
    delivery = details.get("webhook_delivery")
    if delivery and delivery.get("webhooks_per_op"):
        rows.append(
            (
                WEBHOOK_DELIVERY,
                f"{delivery['webhooks_per_op']:g} /op",
                f"{delivery['db_commands']:.1f}",
                f"{delivery['transactions']:.2f}",
                f"{delivery['broker_requests']:.1f}",
                f"{delivery['broker_requests_besides_fetch']:.1f}",
                _top(delivery["db_by_command"]),
                "",
            )
        )
    header = (
        "per unit",
        "units",
        "DB cmds",
        "txns",
        "broker reqs",
        "non-Fetch",
        "top commands",
        "top APIs",
    )
    return _table(header, rows, {1, 2, 3, 4, 5})


def idle_table(idle: Mapping[str, Any]) -> str:
    """Per process: CPU seconds per minute, commands and broker requests per second."""
    per_s = idle["per_second"]
    rows = [
        (
            name,
            f"{cpu:.2f}",
            f"{per_s['db_by_process'].get(name, 0.0):.2f}",
            f"{per_s['broker_by_process'].get(name, 0.0):.2f}",
        )
        for name, cpu in idle["cpu_seconds_per_minute"].items()
    ]
    rows.append(("all", "", f"{per_s['db_commands']:.2f}", f"{per_s['broker_requests']:.2f}"))
    header = ("idle, per process", "CPU s/min", "DB cmds/s", "broker reqs/s")
    notes = [
        f"  commands/s: {_top(per_s['db_by_command'], 8, 0.01)}",
        f"  broker requests/s: {_top(per_s['broker_by_api'], 8, 0.01)}",
    ]
    return "\n".join([_table(header, rows, {1, 2, 3}), *notes])


def figures(details: Mapping[str, Any]) -> list[Figure]:
    """For ``bench.summary``: per operation its commands (against the issue's targets),
    transactions and broker requests; the webhook delivery; the idle rates and CPU."""
    figs = []
    costs = dict(details["operations"])
    if "webhook_delivery" in details and details["webhook_delivery"].get("webhooks_per_op"):
        costs[WEBHOOK_DELIVERY] = {"unit": "webhook", "per_unit": details["webhook_delivery"]}
    for name, result in costs.items():
        per, unit = result["per_unit"], result["unit"]
        target = TARGETS.get(name)
        figs += [
            Figure(
                BENCHMARK,
                f"{name}: DB commands",
                f"cmd/{unit}",
                per["db_commands"],
                None,
                "",
                target=f"<= {target:g}" if target is not None else "",
                met=per["db_commands"] <= target if target is not None else None,
            ),
            Figure(
                BENCHMARK, f"{name}: transactions", f"txn/{unit}", per["transactions"], None, ""
            ),
            Figure(
                BENCHMARK,
                f"{name}: broker requests",
                f"req/{unit}",
                per["broker_requests"],
                None,
                "",
                note=f"besides Fetch: {per['broker_requests_besides_fetch']:g}",
            ),
        ]
    idle = details.get("idle")
    if idle:
        per_s = idle["per_second"]
        figs += [
            Figure(BENCHMARK, "idle: DB commands", "cmd/s", per_s["db_commands"], None, ""),
            Figure(BENCHMARK, "idle: broker requests", "req/s", per_s["broker_requests"], None, ""),
        ]
        figs += [
            Figure(BENCHMARK, f"idle: CPU {name}", "s/min", cpu, None, "")
            for name, cpu in idle["cpu_seconds_per_minute"].items()
            if name != "bench"
        ]
    return figs


def main(argv: list[str] | None = None) -> int:
    """Measure every operation once; returns 1 if a step failed."""
    parser = argparse.ArgumentParser(prog="python -m bench.costs")
    parser.add_argument("--quick", action="store_true", help="k=5, short idle windows")
    parser.add_argument("--k", type=int, default=None, help="operations per measurement (20)")
    parser.add_argument("--members", type=int, default=None, help="campaign members (50)")
    parser.add_argument("--rows", type=int, default=None, help="CSV rows imported (200)")
    parser.add_argument("--window-seconds", type=float, default=None, help="idle windows (5)")
    parser.add_argument("--idle-seconds", type=float, default=None, help="idle cost (60)")
    parser.add_argument("--keep-workdir", action="store_true", help="keep logs and data")
    args = parser.parse_args(argv)
    quick = args.quick
    plan = full_plan(
        k=args.k or (5 if quick else 20),
        members=args.members or (20 if quick else 50),
        rows=args.rows or (50 if quick else 200),
        window_s=args.window_seconds or (3.0 if quick else 5.0),
        idle_s=args.idle_seconds if args.idle_seconds is not None else (20.0 if quick else 60.0),
    )

    def steps(stack: Stack, workdir: Path, results: Results) -> None:
        assert isinstance(stack, CountedStack)
        run = Run(
            stack=stack,
            minter=TokenMinter(),
            sizes=Sizes.for_mode(quick=quick),
            tool="python",
            workdir=workdir,
        )
        with smtp_sink() as (smtp_port, mail):
            urls = start_platform(stack, run, smtp_port)
            details = results.details
            bulk = bulk_update_paths(urls)
            details["bulk_update"] = {
                "paths": bulk,
                "note": "found, not measured" if any(bulk.values()) else "none in the API",
            }
            details["plan"] = {
                "sizes": {b.__name__: size for b, size in plan.operations},
                "window_s": plan.window_s,
                "idle_s": plan.idle_s,
            }
            details.update(asyncio.run(measure_costs(stack, run, urls, mail, plan)))
            results.figures = figures(details)
            print()
            print(cost_table(details))
            if "idle" in details:
                print()
                print(idle_table(details["idle"]))
            details["budgets"] = budget_check(details)
            print()
            print(budget_table(details["budgets"]))
            if not any(bulk.values()):
                print("\nbulk update: none in the API (no bulk/batch path in any OpenAPI)")

    return run_benchmark(
        "costs", steps, quick=quick, keep_workdir=args.keep_workdir, start=start_counted_stack
    )


if __name__ == "__main__":
    sys.exit(main())
