"""The cost budgets: what an operation costs the database, end to end, may not grow.

Starts its own broker and database behind counting proxies (the session's servers have
none) and the whole platform as ``crm up`` starts it, then measures, through the gateway,
five operations (:func:`bench.costs.budget_plan`, ``K`` of each, one after another) and
checks each one's database commands and transactions per operation (per delivered
webhook for "webhook delivery") against :data:`bench.costs_budget.BUDGETS`. Everything it
starts is stopped by PID; every wait is a condition with a deadline.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from bench.context import Run, Sizes
from bench.costs import (
    budget_check,
    budget_plan,
    budget_table,
    cost_table,
    measure_costs,
    smtp_sink,
    start_platform,
)
from bench.costs_budget import BUDGETS
from bench.counted import start_counted_stack
from crm_devstack.testing import TokenMinter

K = 5
BASELINE_S = 15.0
"""An idle stretch measured first: the idle rate subtracted from every window (no idle
windows between the operations: a whole number of the idle traffic's periods is exact)."""

pytestmark = pytest.mark.timeout(600)


async def test_operations_cost_no_more_than_their_budgets(tmp_path: Path) -> None:
    stack = await asyncio.to_thread(start_counted_stack, tmp_path)
    try:
        with smtp_sink() as (smtp_port, mail):
            run = Run(
                stack=stack,
                minter=TokenMinter(),
                sizes=Sizes.for_mode(quick=True),
                tool="python",
                workdir=tmp_path,
            )
            started = time.perf_counter()
            urls = await asyncio.to_thread(start_platform, stack, run, smtp_port)
            print(f"platform ready in {time.perf_counter() - started:.1f} s")
            plan = budget_plan(k=K, window_s=0.0, idle_s=BASELINE_S)
            details = await measure_costs(stack, run, urls, mail, plan)
    finally:
        await asyncio.to_thread(stack.stop)

    checked = budget_check(details)
    print(cost_table(details))
    print(budget_table(checked))
    (tmp_path / "costs.json").write_text(json.dumps(details, indent=2, default=str))
    assert set(checked) == set(BUDGETS)
    over = {name: c for name, c in checked.items() if not c["within"]}
    assert not over, f"over budget (see bench/costs_budget.py): {over}"
