import { describe, expect, it } from "vitest";

import { caseFigures, chartCurrency, forecastFigures, leadFigures, monthsBetween, pipelineFigures, winLossFigures } from "./figures";
import { DASHBOARD } from "./fixtures";
import type { ForecastReport, LeadSummary, PipelineReport, WinLossReport } from "./types";

const data = <T>(section: { status: string; data?: T | null }): T => section.data as T;

describe("chart data", () => {
  it("gives every rating, also those without leads, linking to the leads created since the period's start", () => {
    const figures = leadFigures(data<LeadSummary>(DASHBOARD.new_leads));
    expect(figures.map((f) => [f.key, f.count])).toEqual([
      ["hot", 4],
      ["warm", 1200],
      ["cold", 30],
      ["junk", 0],
    ]);
    expect(figures[0]!.href).toBe("/leads?rating=hot&created_from=2026-11-01T00%3A00%3A00Z");
  });

  it("orders open cases from urgent to low and links to each priority", () => {
    const figures = caseFigures({ open_total: 3, overdue: 0, open_by_priority: { low: 1, urgent: 2 } });
    expect(figures.map((f) => [f.key, f.count, f.href])).toEqual([
      ["urgent", 2, "/cases?priority=urgent"],
      ["high", 0, "/cases?priority=high"],
      ["medium", 0, "/cases?priority=medium"],
      ["low", 1, "/cases?priority=low"],
    ]);
  });

  it("takes the stages of the tenant's currency in pipeline order, linking to each stage's deals", () => {
    const [sales] = pipelineFigures(data<PipelineReport>(DASHBOARD.pipeline), "IDR");
    expect(sales!.stages.map((s) => [s.key, s.count, s.amount, s.weighted])).toEqual([
      ["prospecting", 2, 30000000, 3000000],
      ["negotiation", 1, 10000000, 8000000],
      ["closed_lost", 0, 0, 0],
    ]);
    expect(sales!.stages[1]!.href).toBe("/pipeline/deals?pipeline_id=pipe_1&stage=negotiation");
  });

  it("charts the tenant's currency when the figures have it, else the most used one", () => {
    expect(chartCurrency([{ currency: "USD", count: 5 }, { currency: "IDR", count: 1 }], "IDR")).toBe("IDR");
    expect(chartCurrency([{ currency: "EUR", count: 1 }, { currency: "USD", count: 3 }, { currency: "USD", count: 1 }], "IDR")).toBe("USD");
    expect(chartCurrency([], "IDR")).toBe("IDR");
  });

  it("fills every month of the quarter and links to the open deals closing in it", () => {
    const months = forecastFigures(data<ForecastReport>(DASHBOARD.forecast_this_quarter), DASHBOARD.quarter, "IDR");
    expect(months.map((m) => [m.key, m.count, m.amount, m.weighted])).toEqual([
      ["2026-10", 0, 0, 0],
      ["2026-11", 2, 25000000, 9000000],
      ["2026-12", 0, 0, 0],
    ]);
    expect(months[1]!.href).toBe("/pipeline/deals?status=open&close_from=2026-11-01&close_to=2026-11-30");
    expect(forecastFigures({ months: [] }, ["2028-01", "2028-03"], "IDR")[1]!.href).toContain("close_to=2028-02-29");
  });

  it("counts months across a year's end", () => {
    expect(monthsBetween("2025-11", "2026-02")).toEqual(["2025-11", "2025-12", "2026-01", "2026-02"]);
    expect(monthsBetween("2026-02", "2026-01")).toEqual([]);
  });

  it("links won, lost and each lost reason to their deals, keeping the most frequent reasons", () => {
    const report: WinLossReport = {
      ...data<WinLossReport>(DASHBOARD.win_loss),
      lost_reasons: ["price", "timing", "competitor", "budget", "no decision", "other"].map((reason, i) => ({ reason, count: 6 - i })),
    };
    const { outcomes, reasons } = winLossFigures(report);
    expect(outcomes.map((o) => [o.key, o.count, o.href])).toEqual([
      ["won", 3, "/pipeline/deals?status=won"],
      ["lost", 1, "/pipeline/deals?status=lost"],
    ]);
    expect(reasons.map((r) => r.key)).toEqual(["price", "timing", "competitor", "budget", "no decision"]);
    expect(reasons[4]!.href).toBe("/pipeline/deals?status=lost&lost_reason=no+decision");
  });
});
