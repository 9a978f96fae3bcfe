import { render, screen, within } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { describe, expect, it } from "vitest";

import { BarChart, type BarChartRow, barWidths } from "./BarChart";

const ROWS: BarChartRow[] = [
  { key: "a", label: "Prospecting", href: "/pipeline/deals?stage=a", values: [200, 20], cells: ["2", "Rp 200", "Rp 20"] },
  { key: "b", label: "Negotiation", href: "/pipeline/deals?stage=b", values: [100, 80], cells: ["1", "Rp 100", "Rp 80"] },
];

function renderChart(rows = ROWS) {
  const series = ["Amount", "Weighted"].slice(0, rows[0]!.values.length);
  const chart = <BarChart label="Pipeline by stage" rowHeader="Stage" columns={["Deals", "Amount", "Weighted"]} series={series} rows={rows} tableToggle="Show as a table" />;
  render(<RouterProvider router={createMemoryRouter([{ path: "*", element: chart }])} />);
}

describe("BarChart", () => {
  it("scales every bar to the chart's largest value", () => {
    expect(barWidths(ROWS)).toEqual([
      [100, 10],
      [50, 40],
    ]);
    expect(barWidths([{ values: [0, 0] }])).toEqual([[0, 0]]);
  });

  it("makes each row a link named by its label and figures (what it shows, in order)", () => {
    renderChart();
    expect(screen.getAllByRole("link")[0]).toHaveTextContent(/^Prospecting\s+Deals: 2 · Amount: Rp 200 · Weighted: Rp 20$/);
    const rows = screen.getByRole("list", { name: "Pipeline by stage" });
    const link = within(rows).getByRole("link", { name: "Prospecting Deals: 2 Amount: Rp 200 Weighted: Rp 20" });
    expect(link).toHaveAttribute("href", "/pipeline/deals?stage=a");
    expect(rows.querySelectorAll("rect")[1]).toHaveAttribute("width", "10");
  });

  it("has the figures as a table for those who cannot see the bars", () => {
    renderChart();
    const table = screen.getByRole("table", { name: "Pipeline by stage" });
    expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Stage", "Deals", "Amount", "Weighted"]);
    expect(within(table).getByRole("rowheader", { name: "Negotiation" })).toBeInTheDocument();
    expect(within(table).getByText("Rp 80")).toBeInTheDocument();
    expect(screen.getByText("Show as a table").tagName).toBe("SUMMARY");
  });

  it("names the bars of a row in a legend when there are several, and only then", () => {
    renderChart();
    expect(screen.getAllByRole("listitem").slice(0, 2).map((item) => item.textContent)).toEqual(["Amount", "Weighted"]);
    renderChart(ROWS.map((row) => ({ ...row, values: [row.values[0]!] })));
    const [, single] = screen.getAllByRole("table").map((table) => table.closest(".bar-chart")!);
    expect(single!.querySelector(".bar-legend")).toBeNull();
  });
});
