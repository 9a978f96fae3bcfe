/** Pipeline data as the deals service sends it, for tests. */
import type { Board, Deal, Pipeline } from "./types";

export const STAGES = [
  { id: "prospecting", name: "Prospecting", probability: 10, kind: "open" as const },
  { id: "negotiation", name: "Negotiation", probability: 80, kind: "open" as const },
  { id: "closed_won", name: "Closed Won", probability: 100, kind: "won" as const },
  { id: "closed_lost", name: "Closed Lost", probability: 0, kind: "lost" as const },
];

export const PIPELINE: Pipeline = { id: "pipe_1", name: "Sales", stages: STAGES };

export function deal(id: string, fields: Partial<Deal> = {}): Deal {
  return {
    id,
    name: `Deal ${id}`,
    pipeline_id: "pipe_1",
    stage: "prospecting",
    status: "open",
    amount: "5000000",
    currency: "IDR",
    probability: 10,
    expected_close_date: "2026-12-15",
    contacts: [],
    account_id: null,
    owner_id: "user_sri",
    lost_reason: null,
    closed_at: null,
    stage_history: [{ from_stage: null, to_stage: "prospecting", at: "2026-11-20T03:00:00Z", by: "user_sri", reopened: false }],
    version: 1,
    created_at: "2026-11-20T03:00:00Z",
    ...fields,
  };
}

/** Two deals in Prospecting (one more behind the cursor), one in Negotiation. */
export function board(): Board {
  return {
    pipeline_id: "pipe_1",
    name: "Sales",
    stages: [
      {
        ...STAGES[0]!,
        count: 3,
        totals: [{ currency: "IDR", count: 2, amount: "10000000", weighted: "1000000" }, { currency: "USD", count: 1, amount: "100", weighted: "10" }],
        deals: [deal("deal_a"), deal("deal_b", { amount: "100", currency: "USD" })],
        next_cursor: "cursor-1",
      },
      {
        ...STAGES[1]!,
        count: 1,
        totals: [{ currency: "IDR", count: 1, amount: "25000000", weighted: "20000000" }],
        deals: [deal("deal_c", { stage: "negotiation", amount: "25000000", probability: 80 })],
        next_cursor: null,
      },
      { ...STAGES[2]!, count: 0, totals: [], deals: [], next_cursor: null },
      { ...STAGES[3]!, count: 0, totals: [], deals: [], next_cursor: null },
    ],
  };
}
