/** The body of `GET /api/v1/dashboard`: sections gathered from the services. */

/** One section of a composed view: its data, or why it is missing. */
export type Section<T> = { status: "ok"; data: T | null } | { status: "forbidden" | "unavailable"; reason?: string };

export interface LeadSummary {
  start: string;
  end: string;
  new_leads: number;
  by_rating: Record<string, number>;
}

export interface CaseSummary {
  open_total: number;
  overdue: number;
  open_by_priority: Record<string, number>;
}

/** Count, amount and weighted amount (decimal strings) in one currency. */
export interface Tally {
  currency: string;
  count: number;
  amount: string;
  weighted: string;
}

export interface PipelineReport {
  pipelines: {
    pipeline_id: string;
    name: string;
    stages: { id: string; name: string; probability: number; kind: "open" | "won" | "lost"; totals: Tally[] }[];
    totals: Tally[];
  }[];
}

export interface ForecastReport {
  months: { month: string | null; totals: { currency: string; count: number; best_case: string; weighted: string }[] }[];
}

export interface WinLossReport {
  won: number;
  lost: number;
  win_rate: number | null;
  average_cycle_days: number | null;
  lost_reasons: { reason: string; count: number }[];
}

export interface Dashboard {
  generated_at: string;
  /** First and last month (`YYYY-MM`) of the forecast. */
  quarter: [string, string];
  /** First and last month of the win rate and lost reasons. */
  win_loss_months: [string, string];
  new_leads: Section<LeadSummary>;
  pipeline: Section<PipelineReport>;
  forecast_this_quarter: Section<ForecastReport>;
  win_loss: Section<WinLossReport>;
  open_cases: Section<CaseSummary>;
}
