/** A dashboard body as the gateway sends it, for tests. */
import type { Dashboard } from "./types";

const tally = (currency: string, count: number, amount: string, weighted: string) => ({ currency, count, amount, weighted });

export const DASHBOARD: Dashboard = {
  generated_at: "2026-11-23T23:05:00Z",
  quarter: ["2026-10", "2026-12"],
  win_loss_months: ["2025-12", "2026-11"],
  new_leads: {
    status: "ok",
    data: { start: "2026-11-01T00:00:00Z", end: "2026-11-23T23:05:00Z", new_leads: 1234, by_rating: { hot: 4, warm: 1200, cold: 30 } },
  },
  pipeline: {
    status: "ok",
    data: {
      pipelines: [
        {
          pipeline_id: "pipe_1",
          name: "Sales",
          stages: [
            { id: "prospecting", name: "Prospecting", probability: 10, kind: "open", totals: [tally("IDR", 2, "30000000", "3000000"), tally("USD", 1, "500", "50")] },
            { id: "negotiation", name: "Negotiation", probability: 80, kind: "open", totals: [tally("IDR", 1, "10000000", "8000000")] },
            { id: "closed_lost", name: "Closed Lost", probability: 0, kind: "lost", totals: [] },
          ],
          totals: [tally("IDR", 3, "40000000", "11000000"), tally("USD", 1, "500", "50")],
        },
      ],
    },
  },
  forecast_this_quarter: {
    status: "ok",
    data: { months: [{ month: "2026-11", totals: [{ currency: "IDR", count: 2, best_case: "25000000", weighted: "9000000" }] }] },
  },
  win_loss: {
    status: "ok",
    data: { won: 3, lost: 1, win_rate: 0.75, average_cycle_days: 12.5, lost_reasons: [{ reason: "price", count: 1 }] },
  },
  open_cases: { status: "forbidden", reason: "your roles do not cover this section" },
};
