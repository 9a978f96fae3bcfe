"""Figures (a value, its same-run baseline and their ratio), the printed table and JSON."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.stats import ratio

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Figure:
    """One reported number with the baseline it is compared to."""

    benchmark: str
    metric: str
    unit: str
    value: float | None
    baseline: float | None
    baseline_label: str
    target: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """``value / baseline``."""
        return ratio(self.value, self.baseline)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, with the ratio."""
        return {**asdict(self), "ratio": self.ratio}


def _cell(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _met(met: bool | None) -> str:
    return "" if met is None else ("yes" if met else "NO")


def format_table(figures: list[Figure]) -> str:
    """A fixed-width table of all figures."""
    header = ("benchmark", "metric", "value", "baseline", "ratio", "baseline is", "target", "met")
    rows = [
        (
            f.benchmark,
            f"{f.metric} ({f.unit})",
            _cell(f.value),
            _cell(f.baseline),
            "-" if f.ratio is None else f"{f.ratio:.3f}",
            f.baseline_label,
            f.target,
            _met(f.met),
        )
        for f in figures
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    right = {2, 3, 4}

    def line(row: tuple[str, ...]) -> str:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    notes = [f"  * {f.benchmark} / {f.metric}: {f.note}" for f in figures if f.note]
    return "\n".join([line(header), rule, *(line(r) for r in rows), *notes])


def utc_stamp(moment: datetime | None = None) -> str:
    """``20250101T120000Z``."""
    return (moment or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def save_results(payload: dict[str, Any], *, stamp: str, directory: Path = RESULTS_DIR) -> Path:
    """Write ``<benchmark>-<stamp>.json`` and ``<benchmark>-latest.json``; returns the first."""
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n"
    name = payload["benchmark"]
    path = directory / f"{name}-{stamp}.json"
    path.write_text(text)
    (directory / f"{name}-latest.json").write_text(text)
    return path


def result_payload(
    benchmark: str,
    *,
    started_at: datetime,
    quick: bool,
    machine: dict[str, Any],
    figures: list[Figure],
    details: dict[str, Any],
    errors: list[Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The JSON a benchmark saves: when, on what, the figures and the raw details."""
    return {
        "benchmark": benchmark,
        "started_at": started_at.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "quick": quick,
        **extra,
        "machine": machine,
        "figures": [f.to_dict() for f in figures],
        "details": details,
        "errors": errors or [],
    }


def finish(
    payload: dict[str, Any],
    figures: list[Figure],
    *,
    errors: list[str],
    workdir: Path,
    keep_workdir: bool,
    extra: str = "",
) -> int:
    """Save ``payload``, print the table (and ``extra``), keep the work directory on errors;
    returns the exit status (1 if any step failed)."""
    started_at = datetime.fromisoformat(payload["started_at"])
    path = save_results(payload, stamp=utc_stamp(started_at))
    print()
    print(format_table(figures))
    if extra:
        print(extra)
    print(f"\nresults: {path}")
    if errors:
        print(f"{len(errors)} step(s) FAILED; logs kept in {workdir}")
        for error in errors:
            print(f"  - {error}")
        return 1
    if not keep_workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0
