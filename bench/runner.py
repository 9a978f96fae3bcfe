"""What every benchmark's main does around its measurements: a fresh work directory and
bench stack, the steps, everything stopped, the results saved and printed."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import Stack, machine_facts, start_stack
from bench.report import Figure, finish, result_payload


@dataclass
class Results:
    """What the steps measured so far (kept when a later step fails)."""

    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


Steps = Callable[[Stack, Path, Results], None]


def run_benchmark(
    name: str,
    steps: Steps,
    *,
    quick: bool,
    keep_workdir: bool,
    wrk_used: bool = False,
    start: Callable[[Path], Stack] = start_stack,
) -> int:
    """Run ``steps`` on a new bench stack (made by ``start``), then stop it and save
    ``bench/results/<name>-*``; returns the exit status (1 if a step failed)."""
    started_at = datetime.now(UTC)
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    print(f"[bench] workdir {workdir}; quick={quick}", flush=True)
    stack = start(workdir)
    results = Results()
    errors: list[str] = []
    try:
        steps(stack, workdir, results)
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
        print(f"[bench] FAILED: {errors[-1]}", flush=True)
    finally:
        stack.stop()
    payload = result_payload(
        name,
        started_at=started_at,
        quick=quick,
        machine=machine_facts(wrk_used=wrk_used),
        figures=results.figures,
        details=results.details,
        errors=errors,
    )
    return finish(
        payload, results.figures, errors=errors, workdir=workdir, keep_workdir=keep_workdir
    )
