/**
 * The dashboard's figures shaped for charts, each with the link to the list behind it.
 * Links use the list filters of the API (`rating`, `created_from`, `priority`, `pipeline_id`,
 * `stage`, `status`, `lost_reason`, `close_from`, `close_to`), read by the lists' screens.
 */
import type { CaseSummary, ForecastReport, LeadSummary, PipelineReport, Tally, WinLossReport } from "./types";

/** One bar (or group of bars) of a chart: what it counts and where its list is. */
export interface Figure<K extends string = string> {
  key: K;
  href: string;
  count: number;
}

export interface MoneyFigure extends Figure {
  amount: number;
  weighted: number;
}

export const RATINGS = ["hot", "warm", "cold", "junk"] as const;
export const PRIORITIES = ["urgent", "high", "medium", "low"] as const;
export type Rating = (typeof RATINGS)[number];
export type Priority = (typeof PRIORITIES)[number];

function href(path: string, params: Record<string, string>): string {
  return `${path}?${new URLSearchParams(params).toString()}`;
}

/** The currency the charts show: `preferred` (the tenant's) when the figures have it, else the most used. */
export function chartCurrency(tallies: readonly { currency: string; count: number }[], preferred: string): string {
  const counts = new Map<string, number>();
  for (const t of tallies) counts.set(t.currency, (counts.get(t.currency) ?? 0) + t.count);
  if (counts.size === 0 || counts.has(preferred)) return preferred;
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
}

function inCurrency(totals: readonly Tally[], currency: string): Tally | undefined {
  return totals.find((t) => t.currency === currency);
}

/** New leads of the period by rating, linking to the leads of that rating created since its start. */
export function leadFigures(summary: LeadSummary): Figure<Rating>[] {
  return RATINGS.map((rating) => ({
    key: rating,
    count: summary.by_rating[rating] ?? 0,
    href: href("/leads", { rating, created_from: summary.start }),
  }));
}

/** Open cases by priority, most urgent first, linking to the cases of that priority. */
export function caseFigures(summary: CaseSummary): Figure<Priority>[] {
  return PRIORITIES.map((priority) => ({
    key: priority,
    count: summary.open_by_priority[priority] ?? 0,
    href: href("/cases", { priority }),
  }));
}

export interface PipelineFigures {
  pipelineId: string;
  name: string;
  stages: (MoneyFigure & { name: string })[];
}

/** Each pipeline's stages in order with their count, amount and weighted amount in `currency`. */
export function pipelineFigures(report: PipelineReport, currency: string): PipelineFigures[] {
  return report.pipelines.map((pipeline) => ({
    pipelineId: pipeline.pipeline_id,
    name: pipeline.name,
    stages: pipeline.stages.map((stage) => {
      const tally = inCurrency(stage.totals, currency);
      return {
        key: stage.id,
        name: stage.name,
        count: tally?.count ?? 0,
        amount: Number(tally?.amount ?? 0),
        weighted: Number(tally?.weighted ?? 0),
        href: href("/pipeline/deals", { pipeline_id: pipeline.pipeline_id, stage: stage.id }),
      };
    }),
  }));
}

/** The months from `first` to `last` (`YYYY-MM`, at most a few years apart). */
export function monthsBetween(first: string, last: string): string[] {
  const index = (month: string) => Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
  const months: string[] = [];
  for (let i = index(first); i <= index(last) && months.length < 120; i += 1) {
    months.push(`${String(Math.floor(i / 12)).padStart(4, "0")}-${String((i % 12) + 1).padStart(2, "0")}`);
  }
  return months;
}

function lastDay(month: string): string {
  const [year, mon] = month.split("-").map(Number) as [number, number];
  return `${month}-${String(new Date(Date.UTC(year, mon, 0)).getUTCDate()).padStart(2, "0")}`;
}

/** Every month of the quarter (also those without deals): open deals expected to close in it,
 * best case (`amount`) and weighted, linking to those deals. */
export function forecastFigures(report: ForecastReport, quarter: readonly [string, string], currency: string): MoneyFigure[] {
  return monthsBetween(quarter[0], quarter[1]).map((month) => {
    const tally = report.months.find((m) => m.month === month)?.totals.find((t) => t.currency === currency);
    return {
      key: month,
      count: tally?.count ?? 0,
      amount: Number(tally?.best_case ?? 0),
      weighted: Number(tally?.weighted ?? 0),
      href: href("/pipeline/deals", { status: "open", close_from: `${month}-01`, close_to: lastDay(month) }),
    };
  });
}

/** Won and lost deals, and the lost reasons (most frequent first, at most `top`), with their lists. */
export function winLossFigures(report: WinLossReport, top = 5): { outcomes: Figure<"won" | "lost">[]; reasons: Figure[] } {
  return {
    outcomes: [
      { key: "won", count: report.won, href: href("/pipeline/deals", { status: "won" }) },
      { key: "lost", count: report.lost, href: href("/pipeline/deals", { status: "lost" }) },
    ],
    reasons: report.lost_reasons.slice(0, top).map(({ reason, count }) => ({
      key: reason,
      count,
      href: href("/pipeline/deals", { status: "lost", lost_reason: reason }),
    })),
  };
}
