"""Frame statistics of the console's scroll benchmark."""

from __future__ import annotations

from bench.scrolling import FrameStats


def test_frame_stats_are_percentiles_and_the_share_over_50_ms() -> None:
    deltas = [16.0] * 90 + [40.0] * 6 + [60.0, 80.0, 100.0, 250.0]

    stats = FrameStats.of(deltas, max_dom_rows=29)

    assert stats.frames == 100
    assert stats.p50_ms == 16.0
    assert stats.p95_ms == 40.0
    assert 80.0 < stats.p99_ms < 250.0
    assert stats.max_ms == 250.0
    assert stats.jank_share == 0.04  # 60, 80, 100 and 250 ms
    assert stats.max_dom_rows == 29
