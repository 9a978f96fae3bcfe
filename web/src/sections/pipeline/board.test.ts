import { describe, expect, it } from "vitest";

import { appendColumnPage, columnTotal, findDeal, moveOnBoard } from "./board";
import { board, deal } from "./fixtures";
import { neighbourColumn } from "./keyboardColumns";

describe("moving a deal on the board", () => {
  const start = board();

  it("puts the deal first in its new column with the stage's status and probability", () => {
    const moved = moveOnBoard(start, "deal_a", "negotiation");
    const found = findDeal(moved, "deal_a")!;
    expect(found.column.id).toBe("negotiation");
    expect(found.column.deals.map((d) => d.id)).toEqual(["deal_a", "deal_c"]);
    expect(found.deal).toMatchObject({ stage: "negotiation", status: "open", probability: 80 });
  });

  it("moves the deal's count, amount and weighted amount between the columns' totals", () => {
    const moved = moveOnBoard(start, "deal_a", "negotiation");
    const [prospecting, negotiation] = moved.stages;
    expect(prospecting!.count).toBe(2); // one more deal is behind the column's cursor
    expect(columnTotal(prospecting!, "IDR")).toEqual({ currency: "IDR", count: 1, amount: "5000000", weighted: "500000" });
    expect(negotiation!.count).toBe(2);
    expect(columnTotal(negotiation!, "IDR")).toEqual({ currency: "IDR", count: 2, amount: "30000000", weighted: "24000000" });
  });

  it("drops a currency from the totals when its last deal leaves", () => {
    const moved = moveOnBoard(start, "deal_c", "prospecting");
    expect(moved.stages[1]!.totals).toEqual([]);
    expect(moved.stages[0]!.totals.map((t) => [t.currency, t.count])).toEqual([
      ["IDR", 3],
      ["USD", 1],
    ]);
  });

  it("records the lost reason of a deal closed as lost, and only then", () => {
    const lost = moveOnBoard(start, "deal_a", "closed_lost", "price");
    expect(findDeal(lost, "deal_a")!.deal).toMatchObject({ status: "lost", probability: 0, lost_reason: "price" });
    const won = moveOnBoard(start, "deal_a", "closed_won", "price");
    expect(findDeal(won, "deal_a")!.deal).toMatchObject({ status: "won", probability: 100, lost_reason: null });
  });

  it("leaves the board alone for a deal already there, an unknown deal or an unknown stage", () => {
    expect(moveOnBoard(start, "deal_a", "prospecting")).toBe(start);
    expect(moveOnBoard(start, "deal_x", "negotiation")).toBe(start);
    expect(moveOnBoard(start, "deal_a", "nowhere")).toBe(start);
  });

  it("does not change the board it was given (the rollback keeps it)", () => {
    const before = JSON.stringify(start);
    moveOnBoard(start, "deal_a", "negotiation");
    expect(JSON.stringify(start)).toBe(before);
  });
});

describe("paging a column", () => {
  it("appends the next page without repeating a deal shown meanwhile", () => {
    const next = appendColumnPage(board(), "prospecting", { items: [deal("deal_b"), deal("deal_d")], next_cursor: null });
    expect(next.stages[0]!.deals.map((d) => d.id)).toEqual(["deal_a", "deal_b", "deal_d"]);
    expect(next.stages[0]!.next_cursor).toBeNull();
  });
});

describe("keyboard moves", () => {
  const columns = [
    { id: "b", left: 300, width: 280 },
    { id: "a", left: 0, width: 280 },
    { id: "c", left: 600, width: 280 },
  ];

  it("jumps to the column left or right of the one under the card", () => {
    expect(neighbourColumn(columns, 140, "ArrowRight")?.id).toBe("b");
    expect(neighbourColumn(columns, 700, "ArrowLeft")?.id).toBe("b");
  });

  it("starts from the nearest column when the card is between columns", () => {
    expect(neighbourColumn(columns, 290, "ArrowRight")?.id).toBe("b");
    expect(neighbourColumn(columns, 295, "ArrowLeft")?.id).toBe("a");
  });

  it("stays at the edges and ignores other keys", () => {
    expect(neighbourColumn(columns, 700, "ArrowRight")).toBeNull();
    expect(neighbourColumn(columns, 10, "ArrowLeft")).toBeNull();
    expect(neighbourColumn(columns, 10, "ArrowDown")).toBeNull();
    expect(neighbourColumn([], 10, "ArrowRight")).toBeNull();
  });
});
