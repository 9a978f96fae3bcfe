"""One table of every benchmark's latest figures: ``python -m bench.summary``.

Reads ``bench/results/<name>-latest.json`` (written by each benchmark) and prints their
figures together, with when and on how many cores each was measured.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.report import RESULTS_DIR, Figure, format_table

_FIGURE_FIELDS = (
    "benchmark",
    "metric",
    "unit",
    "value",
    "baseline",
    "baseline_label",
    "target",
    "met",
    "note",
)


def latest_results(directory: Path = RESULTS_DIR) -> list[dict[str, Any]]:
    """Every ``*-latest.json`` payload, by benchmark name."""
    return [json.loads(path.read_text()) for path in sorted(directory.glob("*-latest.json"))]


def summary(payloads: list[dict[str, Any]]) -> str:
    """The combined table, then one line per benchmark run (when, cores, quick or full)."""
    figures = [
        Figure(**{key: raw.get(key) for key in _FIGURE_FIELDS})
        for payload in payloads
        for raw in payload["figures"]
    ]
    runs = [
        f"  {p['benchmark']}: {p['started_at'][:19]}Z, {p['machine'].get('cpu_count')} cores,"
        f" {'quick' if p.get('quick') else 'full'}"
        f"{', ' + str(len(p['errors'])) + ' error(s)' if p.get('errors') else ''}"
        for p in payloads
    ]
    missed = sum(1 for f in figures if f.met is False)
    return "\n".join([format_table(figures), "", "runs:", *runs, f"targets missed: {missed}"])


def main() -> int:
    """Print the summary; 1 when there are no results yet."""
    payloads = latest_results()
    if not payloads:
        print(f"no results in {RESULTS_DIR}; run `make bench` first")
        return 1
    print(summary(payloads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
