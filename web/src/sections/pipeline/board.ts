/** The kanban board's data, changed in place of the server while a move is on its way. */
import type { Board, BoardColumn, Deal, Page, Stage, Tally } from "./types";

/** The deal with `dealId` on the board and its column, if shown. */
export function findDeal(board: Board, dealId: string): { deal: Deal; column: BoardColumn } | null {
  for (const column of board.stages) {
    const deal = column.deals.find((d) => d.id === dealId);
    if (deal) return { deal, column };
  }
  return null;
}

/** A decimal string without float noise (amounts are whole rupiah or cents). */
function decimal(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function weightedOf(deal: Pick<Deal, "amount" | "probability">): number {
  return (Number(deal.amount) * deal.probability) / 100;
}

/** `totals` with one deal added (`sign` 1) or taken away (-1). */
function adjust(totals: readonly Tally[], deal: Deal, sign: 1 | -1): Tally[] {
  const current = totals.find((t) => t.currency === deal.currency) ?? { currency: deal.currency, count: 0, amount: "0", weighted: "0" };
  const next: Tally = {
    currency: deal.currency,
    count: current.count + sign,
    amount: decimal(Number(current.amount) + sign * Number(deal.amount)),
    weighted: decimal(Number(current.weighted) + sign * weightedOf(deal)),
  };
  const others = totals.filter((t) => t.currency !== deal.currency);
  return (next.count > 0 ? [...others, next] : others).sort((a, b) => a.currency.localeCompare(b.currency));
}

/** The deal as it will be in `stage`: the stage's kind as status and its probability. */
export function dealIn(deal: Deal, stage: Stage, lostReason: string | null = null): Deal {
  return { ...deal, stage: stage.id, status: stage.kind, probability: stage.probability, lost_reason: stage.kind === "lost" ? lostReason : null };
}

/**
 * The board after moving `dealId` to `stageId` (the deal first in its new column, both
 * columns' counts and totals updated); the same board when the deal or stage is not on it
 * or the deal is already there.
 */
export function moveOnBoard(board: Board, dealId: string, stageId: string, lostReason: string | null = null): Board {
  const found = findDeal(board, dealId);
  const target = board.stages.find((s) => s.id === stageId);
  if (found === null || target === undefined || found.column.id === stageId) return board;
  const moved = dealIn(found.deal, target, lostReason);
  return {
    ...board,
    stages: board.stages.map((column) => {
      if (column.id === found.column.id) {
        return { ...column, count: column.count - 1, totals: adjust(column.totals, found.deal, -1), deals: column.deals.filter((d) => d.id !== dealId) };
      }
      if (column.id === stageId) {
        return { ...column, count: column.count + 1, totals: adjust(column.totals, moved, 1), deals: [moved, ...column.deals] };
      }
      return column;
    }),
  };
}

/** The board with the next page of a column appended (deals already shown are not repeated). */
export function appendColumnPage(board: Board, stageId: string, page: Page<Deal>): Board {
  return {
    ...board,
    stages: board.stages.map((column) => {
      if (column.id !== stageId) return column;
      const shown = new Set(column.deals.map((d) => d.id));
      return { ...column, deals: [...column.deals, ...page.items.filter((d) => !shown.has(d.id))], next_cursor: page.next_cursor };
    }),
  };
}

/** The totals of a column in `currency` (zero when it holds none). */
export function columnTotal(column: BoardColumn, currency: string): Tally {
  return column.totals.find((t) => t.currency === currency) ?? { currency, count: 0, amount: "0", weighted: "0" };
}
