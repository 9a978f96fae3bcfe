import { fireEvent, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";

import { fakeJwt, json, renderApp } from "../../test/renderApp";
import { deal, PIPELINE } from "./fixtures";

function gateway(routes: Record<string, unknown>) {
  const calls: string[] = [];
  const fetchFn = async (input: RequestInfo | URL): Promise<Response> => {
    const path = String(input);
    calls.push(path);
    if (path === "/api/v1/auth/refresh") {
      return json({ access_token: fakeJwt({ sub: "user_sri", tid: "acme", roles: ["admin"], name: "Sri" }), refresh_token: "rt", expires_in: 900 });
    }
    if (path === "/api/v1/pipelines?limit=200") return json({ items: [PIPELINE], next_cursor: null });
    return path in routes ? json(routes[path]) : json({ type: "/problems/not-found", status: 404 }, 404);
  };
  return { calls, fetchFn };
}

beforeEach(() => sessionStorage.setItem("crm.refresh_token", "rt-kept"));

describe("a deal's page", () => {
  it("shows the deal's figures and its stage history, newest first", async () => {
    const lost = deal("deal_a", {
      stage: "closed_lost",
      status: "lost",
      probability: 0,
      lost_reason: "price",
      stage_history: [
        { from_stage: null, to_stage: "prospecting", at: "2026-11-20T03:00:00Z", by: "user_sri", reopened: false },
        { from_stage: "prospecting", to_stage: "closed_lost", at: "2026-11-21T03:00:00Z", by: "user_budi", reopened: false },
      ],
    });
    await renderApp("/pipeline/deals/deal_a", gateway({ "/api/v1/deals/deal_a": lost }).fetchFn);
    expect(await screen.findByRole("heading", { name: "Deal deal_a" })).toBeInTheDocument();
    expect(await screen.findByTestId("deal-stage")).toHaveTextContent("Closed Lost");
    expect(screen.getByText("price")).toBeInTheDocument();
    const rows = within(screen.getByRole("table", { name: "Stage history" })).getAllByRole("row");
    expect(rows.slice(1).map((r) => within(r).getAllByRole("cell")[1]!.textContent)).toEqual(["Prospecting → Closed Lost", "Created in Prospecting"]);
  });

  it("explains a deal that does not exist", async () => {
    await renderApp("/pipeline/deals/deal_gone", gateway({}).fetchFn);
    expect(await screen.findByRole("alert")).toHaveTextContent("This record does not exist, or it was deleted.");
  });
});

describe("the deals behind a figure", () => {
  it("lists the deals of the URL's filters, named in the heading", async () => {
    const path = "/api/v1/deals?limit=50&lost_reason=price&status=lost";
    const { calls, fetchFn } = gateway({ [path]: { items: [deal("deal_a", { stage: "closed_lost", status: "lost" })], next_cursor: null } });
    await renderApp("/pipeline/deals?status=lost&lost_reason=price", fetchFn);
    expect(await screen.findByRole("heading", { name: "Deals: status lost, lost because of “price”" })).toBeInTheDocument();
    expect(await screen.findByRole("link", { name: "Deal deal_a" })).toHaveAttribute("href", "/pipeline/deals/deal_a");
    expect(calls).toContain(path);
  });

  it("pages on through a long list", async () => {
    const first = "/api/v1/deals?limit=50&status=won";
    const second = "/api/v1/deals?cursor=c2&limit=50&status=won";
    const routes = { [first]: { items: [deal("deal_a")], next_cursor: "c2" }, [second]: { items: [deal("deal_b")], next_cursor: null } };
    await renderApp("/pipeline/deals?status=won", gateway(routes).fetchFn);
    fireEvent.click(await screen.findByRole("button", { name: "Show more deals" }));
    expect(await screen.findByRole("link", { name: "Deal deal_b" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Deal deal_a" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Show more deals" })).toBeNull();
  });

  it("says what to do when nothing matches", async () => {
    const path = "/api/v1/deals?limit=50&pipeline_id=pipe_1&stage=negotiation";
    await renderApp("/pipeline/deals?pipeline_id=pipe_1&stage=negotiation", gateway({ [path]: { items: [], next_cursor: null } }).fetchFn);
    expect(await screen.findByRole("heading", { name: "Deals: stage Negotiation" })).toBeInTheDocument();
    expect(await screen.findByText("No deals match. Go back to the board to see every deal.")).toBeInTheDocument();
  });
});
