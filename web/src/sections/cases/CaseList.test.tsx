import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { json, renderApp } from "../../test/renderApp";
import { routeFetch } from "../../test/routeFetch";
import { caseRecord } from "./testFixtures";

const FUTURE = new Date(Date.now() + 86_400_000).toISOString();

describe("the case list", () => {
  it("asks for the URL's priority, most urgent first, and marks overdue cases in words", async () => {
    const { calls, fetchFn } = routeFetch({
      "GET /api/v1/cases": json({ items: [caseRecord(), caseRecord({ id: "cas_2", subject: "Password reset", sla_due_at: FUTURE })], next_cursor: null }),
    });
    await renderApp("/cases?priority=high", fetchFn);
    const rows = within(await screen.findByRole("table", { name: "Cases, the most urgent first, then by SLA due time" })).getAllByRole("row");
    expect(calls.find((call) => call.url.startsWith("/api/v1/cases"))?.url).toBe("/api/v1/cases?limit=50&priority=high&sort=priority");
    expect(screen.getByLabelText("Priority")).toHaveValue("high");
    expect(within(rows[1]!).getByText("⚠ Overdue")).toBeInTheDocument();
    expect(within(rows[2]!).queryByText(/Overdue/)).toBeNull();
    expect(within(rows[2]!).getByText(/^Due /)).toBeInTheDocument();
  });

  it("keeps a changed filter and order in the URL", async () => {
    const { fetchFn } = routeFetch({ "GET /api/v1/cases": json({ items: [], next_cursor: null }) });
    const { router } = await renderApp("/cases?priority=high", fetchFn);
    expect(await screen.findByText("No case matches these filters. Change them to see more.")).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText("Status"), { target: { value: "pending" } });
    await waitFor(() => expect(router.state.location.search).toBe("?priority=high&status=pending"));
    fireEvent.change(screen.getByLabelText("Order"), { target: { value: "sla_due_at" } });
    await waitFor(() => expect(router.state.location.search).toBe("?priority=high&status=pending&sort=sla_due_at"));
    expect(await screen.findByText("No case matches these filters. Change them to see more.")).toBeInTheDocument();
  });

  it("offers to open a case only to roles that may", async () => {
    const { fetchFn } = routeFetch({ "GET /api/v1/cases": json({ items: [], next_cursor: null }) }, ["sales"]);
    await renderApp("/cases", fetchFn);
    expect(await screen.findByText("No cases yet. Open one when a customer asks for help.")).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Open a case" })).toBeNull();
  });
});
