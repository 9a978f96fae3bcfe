import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { json, renderApp } from "../../test/renderApp";
import { routeFetch } from "../../test/routeFetch";
import type { Campaign, CampaignMetrics } from "./types";

function campaign(fields: Partial<Campaign> = {}): Campaign {
  return {
    id: "cmp_1",
    name: "Promo Desember",
    type: "email",
    status: "planned",
    description: null,
    start_date: null,
    end_date: null,
    budget: "5000000",
    currency: "IDR",
    actual_cost: null,
    expected_revenue: null,
    owner_id: "user_sri",
    segment_ids: ["seg_a", "seg_b"],
    template: { subject: "Halo {{first_name}}", body_text: "Diskon 20%" },
    version: 3,
    ...fields,
  };
}

const METRICS: CampaignMetrics = { audience: 0, suppressed: 0, sent: 0, opened: 0, clicked: 0, responded: 0, leads: 0, converted: 0, deals_won: 0, currency: "IDR", revenue: "0", cost: "5000000", roi: "-1.0000" };
const EMPTY_PAGE = json({ items: [], next_cursor: null });

describe("the campaign page", () => {
  it("launches only after a confirmation that states the audience launch would freeze now", async () => {
    const { calls, fetchFn } = routeFetch({
      "GET /api/v1/campaigns/cmp_1": json(campaign()),
      "GET /api/v1/campaigns/cmp_1/metrics": json(METRICS),
      "GET /api/v1/campaigns/cmp_1/members": EMPTY_PAGE,
      "GET /api/v1/segments": json({ items: [{ id: "seg_a", name: "Pelanggan", kind: "dynamic", rules: null, description: null, version: 1 }], next_cursor: null }),
      "GET /api/v1/campaigns/cmp_1/audience": json({ audience: 6, suppressed: 1, reachable: 5 }),
      "POST /api/v1/campaigns/cmp_1/launch": json(campaign({ status: "active", version: 4 })),
    });
    await renderApp("/campaigns/cmp_1", fetchFn);
    expect(await screen.findByRole("heading", { name: "Promo Desember" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Pelanggan" })).toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "Launch" }));
    const dialog = await screen.findByRole("dialog", { name: "Launch this campaign?" });
    expect(await within(dialog).findByText("The audience is 6 contacts; 1 of them will not be e-mailed (opted out or no e-mail address).")).toBeInTheDocument();
    expect(calls.some((call) => call.url.includes("/preview"))).toBe(false);
    expect(calls.some((call) => call.url.endsWith("/launch"))).toBe(false);
    fireEvent.click(within(dialog).getByRole("button", { name: "Launch now" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    const launch = calls.find((call) => call.url === "/api/v1/campaigns/cmp_1/launch");
    expect(launch?.method).toBe("POST");
    expect(launch?.headers["If-Match"]).toBe('"3"');
    expect(await screen.findByText("Active")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Pause" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Launch" })).toBeNull();
  });

  it("cancelling the confirmation launches nothing; an audience nobody is left out of says so", async () => {
    const { calls, fetchFn } = routeFetch({
      "GET /api/v1/campaigns/cmp_1": json(campaign({ segment_ids: ["seg_a"] })),
      "GET /api/v1/campaigns/cmp_1/metrics": json(METRICS),
      "GET /api/v1/campaigns/cmp_1/members": EMPTY_PAGE,
      "GET /api/v1/segments": EMPTY_PAGE,
      "GET /api/v1/campaigns/cmp_1/audience": json({ audience: 1, suppressed: 0, reachable: 1 }),
    });
    await renderApp("/campaigns/cmp_1", fetchFn);
    fireEvent.click(await screen.findByRole("button", { name: "Launch" }));
    const dialog = await screen.findByRole("dialog");
    expect(await within(dialog).findByText("The audience is 1 contact; each can be e-mailed.")).toBeInTheDocument();
    fireEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(calls.some((call) => call.url.endsWith("/launch"))).toBe(false);
  });

  it("shows the funnel and money figures, and no actions to a role that only reads", async () => {
    const { fetchFn } = routeFetch(
      {
        "GET /api/v1/campaigns/cmp_1": json(campaign({ status: "active" })),
        "GET /api/v1/campaigns/cmp_1/metrics": json({ ...METRICS, audience: 412, sent: 403, opened: 51, deals_won: 2, revenue: "40000000", roi: "7.0000" }),
        "GET /api/v1/campaigns/cmp_1/members": EMPTY_PAGE,
        "GET /api/v1/segments": EMPTY_PAGE,
      },
      ["viewer"],
    );
    await renderApp("/campaigns/cmp_1", fetchFn);
    const funnel = await screen.findByRole("list", { name: "Campaign funnel" });
    expect(within(funnel).getByRole("link", { name: /Audience.*412/ })).toBeInTheDocument();
    expect(within(funnel).getByRole("link", { name: /Opened.*51/ })).toHaveAttribute("href", "/campaigns/cmp_1?member_status=opened#members");
    expect(screen.getByText("700%")).toBeInTheDocument();
    expect(screen.getByText(/40,000,000/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Pause" })).toBeNull();
  });
});
