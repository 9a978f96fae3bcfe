import { fireEvent, render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { rowWindow, VirtualTable } from "./VirtualTable";

interface Row {
  id: string;
  name: string;
}

const ROWS: Row[] = Array.from({ length: 10_000 }, (_, i) => ({ id: `r${i}`, name: `Row ${i}` }));
const COLUMNS = [{ key: "name", header: "Name", width: "1fr", render: (row: Row) => row.name }];

function renderTable(items: Row[], onNearEnd = vi.fn(), complete = false) {
  render(<VirtualTable label="Rows" items={items} columns={COLUMNS} rowKey={(row) => row.id} rowHeight={40} height={400} overscan={5} onNearEnd={onNearEnd} complete={complete} />);
  const table = screen.getByRole("table", { name: "Rows" });
  const scroller = table.querySelector(".vtable-scroller") as HTMLElement;
  return { table, scroller, onNearEnd };
}

function bodyRows(table: HTMLElement) {
  return within(table).getAllByRole("row").slice(1);
}

describe("rowWindow", () => {
  it("covers the rows in view plus the overscan, within the list", () => {
    expect(rowWindow(0, 400, 40, 10_000, 5)).toEqual([0, 15]);
    expect(rowWindow(4000, 400, 40, 10_000, 5)).toEqual([95, 115]);
    expect(rowWindow(399_800, 400, 40, 10_000, 5)).toEqual([9990, 10_000]);
    expect(rowWindow(0, 400, 40, 3, 5)).toEqual([0, 3]);
  });
});

describe("VirtualTable", () => {
  it("keeps only the rows in view in the DOM, however many there are", () => {
    const { table, scroller } = renderTable(ROWS);
    expect(bodyRows(table)).toHaveLength(15);
    expect(screen.getByText("Row 0")).toBeInTheDocument();
    expect(screen.queryByText("Row 500")).toBeNull();

    scroller.scrollTop = 500 * 40;
    fireEvent.scroll(scroller);
    expect(bodyRows(table)).toHaveLength(20);
    expect(screen.getByText("Row 500")).toBeInTheDocument();
    expect(screen.queryByText("Row 0")).toBeNull();
    const first = bodyRows(table)[0] as HTMLElement;
    expect(first).toHaveAttribute("aria-rowindex", String(495 + 2));
    expect(first.style.transform).toBe(`translateY(${495 * 40}px)`);
    expect(table.querySelector(".vtable-body")).toHaveStyle({ height: `${10_000 * 40}px` });
  });

  it("asks for more rows when the end comes into view, not before", () => {
    const { scroller, onNearEnd } = renderTable(ROWS.slice(0, 100));
    expect(onNearEnd).not.toHaveBeenCalled();
    scroller.scrollTop = 80 * 40;
    fireEvent.scroll(scroller);
    expect(onNearEnd).toHaveBeenCalledTimes(1);
  });

  it("asks at once when the first rows do not fill the view", () => {
    const { onNearEnd } = renderTable(ROWS.slice(0, 3));
    expect(onNearEnd).toHaveBeenCalledTimes(1);
  });

  it("announces the row count only once every row is loaded", () => {
    const { table } = renderTable(ROWS.slice(0, 3), vi.fn(), true);
    expect(table).toHaveAttribute("aria-rowcount", "4");
    expect(within(table).getByRole("columnheader", { name: "Name" })).toBeInTheDocument();
  });
});
