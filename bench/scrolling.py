"""Scrolling a windowed list in the browser, measured in the page itself.

Frame times are the deltas between ``requestAnimationFrame`` callbacks; every frame also
counts the row elements in the list's DOM. The scroll position follows the clock, not the
frames (a steady pace in pixels per second), so a slow frame skips ahead instead of
slowing the scroll down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Page

from bench.stats import percentile

SCROLLER = ".vtable-scroller"
ROWS = ".vtable-body > [role=row]"
TABLE = ".vtable[role=table]"
JANK_MS = 50.0

_LOAD_ALL = """async ({scroller, rows, table, deadlineMs}) => {
  const box = document.querySelector(scroller);
  const grid = document.querySelector(table);
  const frames = [];
  let maxRows = 0;
  const started = performance.now();
  let last = started;
  while (grid.getAttribute("aria-rowcount") === "-1") {
    if (performance.now() - started > deadlineMs) {
      return { complete: false, ms: performance.now() - started, frames, maxRows, loaded: null };
    }
    box.scrollTop = box.scrollHeight;
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const now = performance.now();
    frames.push(now - last);
    last = now;
    maxRows = Math.max(maxRows, box.querySelectorAll(rows).length);
  }
  return { complete: true, ms: performance.now() - started, frames, maxRows,
           loaded: Number(grid.getAttribute("aria-rowcount")) - 1 };
}"""

_SWEEP = """async ({scroller, rows, pxPerSecond, seconds, fromPx}) => {
  const box = document.querySelector(scroller);
  const range = box.scrollHeight - box.clientHeight;
  const at = (travelled) => {
    const phase = travelled % (2 * range);
    return phase <= range ? phase : 2 * range - phase;
  };
  box.scrollTop = at(fromPx);
  await new Promise((resolve) => requestAnimationFrame(resolve));
  const frames = [];
  let maxRows = 0;
  const started = performance.now();
  let last = started;
  for (;;) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const now = performance.now();
    frames.push(now - last);
    last = now;
    maxRows = Math.max(maxRows, box.querySelectorAll(rows).length);
    const elapsed = (now - started) / 1000;
    if (elapsed >= seconds) break;
    box.scrollTop = at(fromPx + elapsed * pxPerSecond);
  }
  if (typeof gc === "function") gc();  // with --js-flags=--expose-gc: the live heap only
  const memory = performance.memory;
  return { frames, maxRows, range, travelled: fromPx + seconds * pxPerSecond,
           heapBytes: memory ? memory.usedJSHeapSize : null };
}"""


@dataclass(frozen=True)
class FrameStats:
    """Frame times of one measurement and the most row elements seen in the DOM."""

    frames: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    jank_share: float
    max_dom_rows: int

    @classmethod
    def of(cls, deltas: list[float], max_dom_rows: int) -> FrameStats:
        """Percentiles of ``deltas`` (ms) and the share of frames over :data:`JANK_MS`."""
        return cls(
            frames=len(deltas),
            p50_ms=round(percentile(deltas, 50), 2),
            p95_ms=round(percentile(deltas, 95), 2),
            p99_ms=round(percentile(deltas, 99), 2),
            max_ms=round(max(deltas), 2),
            jank_share=round(sum(d > JANK_MS for d in deltas) / len(deltas), 4),
            max_dom_rows=max_dom_rows,
        )


async def load_all_rows(page: Page, deadline_s: float) -> dict[str, Any]:
    """Scroll to the end again and again until the list says every row is loaded (or the
    deadline passes); how long it took, the rows loaded and the frames meanwhile."""
    raw = await page.evaluate(
        _LOAD_ALL,
        {"scroller": SCROLLER, "rows": ROWS, "table": TABLE, "deadlineMs": deadline_s * 1000},
    )
    return {
        "complete": raw["complete"],
        "seconds": round(raw["ms"] / 1000, 2),
        "rows": raw["loaded"],
        "frames": FrameStats.of(raw["frames"], raw["maxRows"]),
    }


@dataclass
class Sweep:
    """A steady scroll top to bottom and back, measured in parts that continue each other
    (so that two lists can be measured by turns on a machine whose load varies)."""

    page: Page
    px_per_second: float
    deltas: list[float] = field(default_factory=list)
    max_dom_rows: int = 0
    travelled_px: float = 0.0
    range_px: float = 0.0
    heap_mb: float | None = None

    async def scroll(self, seconds: float, *, measured: bool = True) -> None:
        """Scroll on for ``seconds``; keep its frames unless ``measured`` is false (warm-up).
        The JS heap is read after a collection at the end (None if not exposed)."""
        raw = await self.page.evaluate(
            _SWEEP,
            {
                "scroller": SCROLLER,
                "rows": ROWS,
                "pxPerSecond": self.px_per_second,
                "seconds": seconds,
                "fromPx": self.travelled_px,
            },
        )
        self.travelled_px, self.range_px = raw["travelled"], raw["range"]
        heap = raw["heapBytes"]
        self.heap_mb = None if heap is None else round(heap / 2**20, 1)
        if measured:
            self.deltas += raw["frames"]
            self.max_dom_rows = max(self.max_dom_rows, raw["maxRows"])

    def result(self) -> dict[str, Any]:
        """Frame statistics of the measured parts, the range and the last heap reading."""
        return {
            "frames": FrameStats.of(self.deltas, self.max_dom_rows),
            "range_px": self.range_px,
            "travelled_px": round(self.travelled_px),
            "heap_mb": self.heap_mb,
        }
