"""The combined benchmark table read back from saved results."""

from __future__ import annotations

from bench.report import Figure
from bench.summary import summary


def _payload(name: str, figures: list[Figure], *, quick: bool) -> dict[str, object]:
    return {
        "benchmark": name,
        "started_at": "2026-11-23T10:00:00+00:00",
        "quick": quick,
        "machine": {"cpu_count": 2},
        "figures": [f.to_dict() for f in figures],
        "errors": [],
    }


def test_summary_lists_every_figure_and_counts_missed_targets() -> None:
    a = Figure("mixed", "latency p99", "ms", 250.0, None, "", target="< 200 ms", met=False)
    b = Figure("gateway", "throughput", "req/s", 900.0, 1000.0, "direct", met=True)

    text = summary([_payload("mixed", [a], quick=False), _payload("gateway", [b], quick=True)])

    assert "latency p99 (ms)" in text and "throughput (req/s)" in text
    assert "0.900" in text  # the ratio to the baseline
    assert "mixed: 2026-11-23T10:00:00Z, 2 cores, full" in text
    assert "gateway: 2026-11-23T10:00:00Z, 2 cores, quick" in text
    assert text.endswith("targets missed: 1")
