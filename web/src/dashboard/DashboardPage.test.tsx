import { fireEvent, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";

import { DASHBOARD_READY_MARK } from "../pages/DashboardPage";
import { fakeJwt, json, renderApp } from "../test/renderApp";
import { DASHBOARD } from "./fixtures";
import type { Dashboard } from "./types";

function gateway(body: Dashboard) {
  return async (input: RequestInfo | URL): Promise<Response> => {
    const path = String(input);
    if (path === "/api/v1/auth/refresh") {
      return json({ access_token: fakeJwt({ sub: "user_sri", tid: "acme", roles: ["admin"], name: "Sri" }), refresh_token: "rt", expires_in: 900 });
    }
    if (path === "/api/v1/dashboard") return json(body);
    return json({ type: "/problems/not-found", status: 404 }, 404);
  };
}

beforeEach(() => {
  sessionStorage.setItem("crm.refresh_token", "rt-kept");
  performance.clearMarks();
});

describe("the dashboard", () => {
  it("charts each figure, linking to the list behind it", async () => {
    await renderApp("/", gateway(DASHBOARD));
    const figures = await screen.findByTestId("dashboard-figures");
    const stages = within(figures).getByRole("list", { name: "Sales (in IDR)" });
    expect(within(stages).getByRole("link", { name: /^Negotiation Deals: 1 Amount: IDR\s10,000,000 Weighted: IDR\s8,000,000$/ })).toHaveAttribute(
      "href",
      "/pipeline/deals?pipeline_id=pipe_1&stage=negotiation",
    );
    const forecast = within(figures).getByRole("list", { name: "Forecast this quarter" });
    expect(within(forecast).getAllByRole("link").map((l) => l.textContent?.slice(0, 8))).toEqual(["Oct 2026", "Nov 2026", "Dec 2026"]);
    expect(within(figures).getByText("75%")).toBeInTheDocument();
    expect(within(figures).getByText("Deals closed Dec 2025 – Nov 2026")).toBeInTheDocument();
    expect(within(figures).getByRole("link", { name: "price Deals: 1" })).toHaveAttribute("href", "/pipeline/deals?status=lost&lost_reason=price");
    expect(within(figures).getByRole("link", { name: "Hot Leads: 4" })).toHaveAttribute("href", expect.stringMatching(/^\/leads\?rating=hot&created_from=/));
    expect(within(figures).getByText("Your role does not cover this figure.")).toBeInTheDocument();
    expect(performance.getEntriesByName(DASHBOARD_READY_MARK)).toHaveLength(1);
  });

  it("follows a bar's link to its list", async () => {
    const { router } = await renderApp("/", gateway(DASHBOARD));
    fireEvent.click(await screen.findByRole("link", { name: "Lost Deals: 1" }));
    expect(router.state.location.pathname).toBe("/pipeline/deals");
    expect(router.state.location.search).toBe("?status=lost");
  });

  it("says what to do when there are no deals and nothing was closed", async () => {
    const empty: Dashboard = {
      ...DASHBOARD,
      pipeline: { status: "ok", data: { pipelines: [{ pipeline_id: "p", name: "Sales", stages: [], totals: [] }] } },
      win_loss: { status: "ok", data: { won: 0, lost: 0, win_rate: null, average_cycle_days: null, lost_reasons: [] } },
    };
    await renderApp("/", gateway(empty), "id");
    expect(await screen.findByRole("link", { name: "Belum ada transaksi. Tambahkan di bagian Pipeline." })).toHaveAttribute("href", "/pipeline");
    expect(screen.getByText("Belum ada transaksi yang ditutup pada periode ini.")).toBeInTheDocument();
    expect(screen.getByText("Tidak ada transaksi yang kalah pada periode ini.")).toBeInTheDocument();
  });
});
