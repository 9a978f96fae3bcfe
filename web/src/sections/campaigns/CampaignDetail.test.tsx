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

  it("a launch answered 202 shows the audience being enrolled, without pause, until it is done", async () => {
    let current = campaign();
    const { calls, fetchFn } = routeFetch({
      "GET /api/v1/campaigns/cmp_1": () => json(current),
      "GET /api/v1/campaigns/cmp_1/metrics": json(METRICS),
      "GET /api/v1/campaigns/cmp_1/members": EMPTY_PAGE,
      "GET /api/v1/segments": EMPTY_PAGE,
      "GET /api/v1/campaigns/cmp_1/audience": json({ audience: 1000, suppressed: 0, reachable: 1000 }),
      "POST /api/v1/campaigns/cmp_1/launch": () => {
        current = campaign({ status: "active", enrolling: true, audience_size: null, version: 4 });
        return json(current, 202, { Location: "/v1/campaigns/cmp_1", ETag: '"4"' });
      },
    });
    await renderApp("/campaigns/cmp_1", fetchFn);
    fireEvent.click(await screen.findByRole("button", { name: "Launch" }));
    const dialog = await screen.findByRole("dialog", { name: "Launch this campaign?" });
    await within(dialog).findByText("The audience is 1000 contacts; each can be e-mailed.");
    fireEvent.click(within(dialog).getByRole("button", { name: "Launch now" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(screen.queryByRole("alert")).toBeNull();
    expect(await screen.findByText("Enrolling audience… The e-mails go out once every member is enrolled.")).toBeInTheDocument();
    expect(screen.getByText("Active")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Complete" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Pause" })).toBeNull();

    const metricsBefore = calls.filter((call) => call.url === "/api/v1/campaigns/cmp_1/metrics").length;
    current = campaign({ status: "active", enrolling: false, audience_size: 1000, version: 5 });
    expect(await screen.findByRole("button", { name: "Pause" }, { timeout: 4000 })).toBeInTheDocument();
    expect(screen.queryByText(/Enrolling audience/)).toBeNull();
    await waitFor(() => expect(calls.filter((call) => call.url === "/api/v1/campaigns/cmp_1/metrics").length).toBeGreaterThan(metricsBefore));
  }, 15_000); // the campaign is read again every second while enrolling

  it("says in Indonesian that the audience is being enrolled", async () => {
    const { fetchFn } = routeFetch({
      "GET /api/v1/campaigns/cmp_1": json(campaign({ status: "active", enrolling: true, audience_size: null })),
      "GET /api/v1/campaigns/cmp_1/metrics": json(METRICS),
      "GET /api/v1/campaigns/cmp_1/members": EMPTY_PAGE,
      "GET /api/v1/segments": EMPTY_PAGE,
    });
    await renderApp("/campaigns/cmp_1", fetchFn, "id");
    expect(await screen.findByText("Mendaftarkan audiens… E-mail dikirim setelah semua anggota terdaftar.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Jeda" })).toBeNull();
    expect(screen.getByRole("button", { name: "Selesaikan" })).toBeInTheDocument();
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
