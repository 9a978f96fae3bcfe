import { fireEvent, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { json, renderApp } from "../../test/renderApp";
import { routeFetch } from "../../test/routeFetch";
import { task, VIEW } from "./testFixtures";
import type { Activity } from "./types";
import { JUST_CONVERTED } from "./useCustomer360";

const plain = (text: string | null) => (text ?? "").replace(/[\u00a0\u202f]/g, " ");

describe("the contact 360 view", () => {
  it("shows the contact, purchases and segment, and says which parts are missing and why", async () => {
    const { fetchFn } = routeFetch({ "GET /api/v1/customers/con_1/360": json(VIEW), "GET /api/v1/activities": json({ items: [], next_cursor: null }) });
    await renderApp("/contacts/con_1", fetchFn);
    expect(await screen.findByRole("heading", { name: "Budi Santoso", level: 1 })).toBeInTheDocument();
    expect(screen.getByText("Segment: Champions")).toBeInTheDocument();
    const purchases = screen.getByRole("region", { name: "Purchases" });
    expect(plain(within(purchases).getByText(/4,500,000/).textContent)).toBe("IDR 4,500,000");
    expect(within(purchases).getByText("Recency 5, frequency 4, monetary 5 (of 5)")).toBeInTheDocument();
    expect(within(screen.getByRole("region", { name: "Deals" })).getByText(/Not available right now/)).toBeInTheDocument();
    expect(within(screen.getByRole("region", { name: "Campaigns" })).getByText("Your role does not cover this part.")).toBeInTheDocument();
    expect(within(screen.getByRole("region", { name: "Account" })).getByText("Not linked to an account.")).toBeInTheDocument();
    expect(await screen.findByText(/Nothing logged yet/)).toBeInTheDocument();
  });

  it("links the contact's deals and campaigns, naming stages as the pipeline does and statuses in words", async () => {
    const deal = (id: string, stage: string, status: string) => ({ id, name: `Deal ${id}`, amount: "1000000", currency: "IDR", status, stage, expected_close_date: null });
    const view = {
      ...VIEW,
      deals: { status: "ok", data: { open: [deal("deal_1", "proposal", "open")], closed: [deal("deal_2", "closed_won", "won")] } },
      campaigns: { status: "ok", data: [{ id: "cmp_1", name: "Promo Desember", status: "active", type: "email" }] },
    };
    const stages = [
      { id: "proposal", name: "Proposal/Price Quote" },
      { id: "closed_won", name: "Closed Won" },
    ];
    const { fetchFn } = routeFetch({
      "GET /api/v1/customers/con_1/360": json(view),
      "GET /api/v1/activities": json({ items: [], next_cursor: null }),
      "GET /api/v1/pipelines": json({ items: [{ id: "pip_1", name: "Sales", stages }], next_cursor: null }),
    });
    await renderApp("/contacts/con_1", fetchFn);
    const deals = await screen.findByRole("region", { name: "Deals" });
    expect(await within(deals).findByText("Proposal/Price Quote")).toBeInTheDocument();
    expect(within(deals).getByText("Closed Won")).toBeInTheDocument();
    expect(within(deals).getByRole("link", { name: "Deal deal_2" })).toHaveAttribute("href", "/pipeline/deals/deal_2");
    const campaigns = screen.getByRole("region", { name: "Campaigns" });
    expect(within(campaigns).getByRole("link", { name: "Promo Desember" })).toHaveAttribute("href", "/campaigns/cmp_1");
    expect(within(campaigns).getByText("Active")).toBeInTheDocument();
  });

  it("waits for a contact a conversion is still creating, then shows it", async () => {
    let asked = 0;
    const { fetchFn } = routeFetch({
      "GET /api/v1/customers/con_1/360": () => (++asked < 3 ? json({ type: "/problems/not-found", status: 404 }, 404) : json(VIEW)),
      "GET /api/v1/activities": json({ items: [], next_cursor: null }),
    });
    const { router } = await renderApp("/contacts", fetchFn);
    await router.navigate("/contacts/con_1", { state: JUST_CONVERTED });
    expect(await screen.findByText("This contact is being created. It appears in a moment…")).toBeInTheDocument();
    expect(await screen.findByRole("heading", { name: "Budi Santoso", level: 1 }, { timeout: 4000 })).toBeInTheDocument();
    expect(asked).toBe(3);
  });

  it("says at once that an unknown contact does not exist (no conversion pending)", async () => {
    const { calls, fetchFn } = routeFetch({});
    await renderApp("/contacts/con_gone", fetchFn);
    expect(await screen.findByRole("alert")).toHaveTextContent("This record does not exist, or it was deleted.");
    expect(calls.filter((call) => call.url.includes("/360"))).toHaveLength(1);
  });

  it("logs a call with its type's fields and shows it on the timeline", async () => {
    const logged: Activity[] = [];
    const { calls, fetchFn } = routeFetch({
      "GET /api/v1/customers/con_1/360": json(VIEW),
      "GET /api/v1/activities": () => json({ items: [...logged], next_cursor: null }),
      "POST /api/v1/activities": (call) => {
        const activity = task({ ...(call.body as Partial<Activity>), id: "act_call", due_at: null, done: null, occurred_at: "2026-11-23T09:00:00Z" });
        logged.unshift(activity);
        return json(activity, 201);
      },
    });
    await renderApp("/contacts/con_1", fetchFn);
    fireEvent.change(await screen.findByLabelText("Subject"), { target: { value: "Discussed the renewal" } });
    fireEvent.change(screen.getByLabelText("Duration in minutes"), { target: { value: "15" } });
    expect(screen.queryByLabelText("Due")).toBeNull(); // only tasks have a due date
    fireEvent.click(screen.getByRole("button", { name: "Log call" }));
    expect(await screen.findByText("Saved: Discussed the renewal")).toBeInTheDocument();
    const post = calls.find((call) => call.method === "POST" && call.url === "/api/v1/activities");
    expect(post?.body).toEqual({ kind: "call", subject: "Discussed the renewal", contact_id: "con_1", duration_minutes: 15 });
    expect(post?.headers["Idempotency-Key"]).toMatch(/^[0-9a-f]{32}$/);
    const timeline = screen.getByRole("region", { name: "Timeline" });
    expect(await within(timeline).findByText("Discussed the renewal")).toBeInTheDocument();
    expect(within(timeline).getByText(/15 min/)).toBeInTheDocument();
  });

  it("completes an open task, marked overdue in words", async () => {
    let done = false;
    const { calls, fetchFn } = routeFetch({
      "GET /api/v1/customers/con_1/360": json(VIEW),
      "GET /api/v1/activities": () => json({ items: [task(done ? { done: true, completed_at: "2026-11-23T10:00:00Z" } : {})], next_cursor: null }),
      "POST /api/v1/activities/act_task/complete": () => {
        done = true;
        return json(task({ done: true }));
      },
    });
    await renderApp("/contacts/con_1", fetchFn);
    expect(await screen.findByText(/Overdue/)).toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "Mark “Send the quote” done" }));
    expect(await screen.findByText(/Done /)).toBeInTheDocument();
    expect(calls.some((call) => call.method === "POST" && call.url === "/api/v1/activities/act_task/complete")).toBe(true);
  });

  it("offers a viewer no log form and no task completion", async () => {
    const { fetchFn } = routeFetch(
      { "GET /api/v1/customers/con_1/360": json(VIEW), "GET /api/v1/activities": json({ items: [task()], next_cursor: null }) },
      ["viewer"],
    );
    await renderApp("/contacts/con_1", fetchFn);
    expect(await screen.findByText("Your role can read activities here but not log them.")).toBeInTheDocument();
    expect(await screen.findByText("Send the quote")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Mark/ })).toBeNull();
    expect(screen.queryByRole("link", { name: "Open a case" })).toBeNull();
  });
});
