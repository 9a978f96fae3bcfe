import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { DASHBOARD } from "../dashboard/fixtures";
import { fakeJwt, json, renderApp } from "../test/renderApp";
import { type Call, routeFetch } from "../test/routeFetch";
import type { AppNotification } from "./types";

function notification(id: string, overrides: Partial<AppNotification> = {}): AppNotification {
  return {
    id,
    kind: "lead_assigned",
    title: "Lead assigned to you",
    body: "Lead lead_1 was assigned to you by user_ana (manual).",
    link: "/leads/lead_1",
    data: { lead_id: "lead_1" },
    created_at: "2026-11-23T09:30:00Z",
    read: false,
    ...overrides,
  };
}

/** The notifications API as a stand-in: stored notifications, reads, and a stream the test writes to. */
function notificationsApi(stored: AppNotification[], roles: string[] = ["sales"], capped = false) {
  const streams: { write: (text: string) => void; cancelled: () => boolean; call: Call }[] = [];
  const unread = () => stored.filter((n) => !n.read).length;
  const { calls, fetchFn } = routeFetch(
    {
      "GET /api/v1/dashboard": json(DASHBOARD),
      "GET /api/v1/notifications/unread-count": () => json({ unread: capped ? 1000 : unread(), capped }),
      "GET /api/v1/notifications": () => json({ items: [...stored].reverse(), next_cursor: null }),
      "POST /api/v1/notifications/read-all": () => {
        for (const n of stored) n.read = true;
        return json({ read_through: stored.at(-1)?.id ?? null });
      },
      "POST /api/v1/notifications/lead_a/read": () => {
        stored[0]!.read = true;
        return json({ id: "lead_a", read: true });
      },
      "POST /api/v1/auth/logout": new Response(null, { status: 204 }),
      "GET /api/v1/notifications/stream": (call) => {
        let controller!: ReadableStreamDefaultController<Uint8Array>;
        let cancelled = false;
        const body = new ReadableStream<Uint8Array>({
          start: (c) => void (controller = c),
          cancel: () => void (cancelled = true),
        });
        streams.push({ write: (text) => controller.enqueue(new TextEncoder().encode(text)), cancelled: () => cancelled, call });
        controller.enqueue(new TextEncoder().encode("retry: 3000\n\n"));
        return new Response(body, { headers: { "content-type": "text/event-stream" } });
      },
    },
    roles,
  );
  /** A new notification stored and sent on the open stream. */
  function arrive(item: AppNotification) {
    stored.push(item);
    const stream = streams.at(-1)!;
    stream.write(`id: ${item.id}\nevent: notification\ndata: ${JSON.stringify(item)}\n\n`);
  }
  return { calls, fetchFn, streams, arrive };
}

const bell = () => screen.getByRole("button", { name: /^Notifications/ });

describe("the notification bell", () => {
  it("counts unread notifications, live from the stream, and announces a new one", async () => {
    const api = notificationsApi([notification("lead_a")]);
    await renderApp("/", api.fetchFn);
    expect(await screen.findByRole("button", { name: "Notifications, 1 unread" })).toBeInTheDocument();
    expect(screen.getByTestId("bell-badge")).toHaveTextContent("1");
    await waitFor(() => expect(api.streams).toHaveLength(1));
    expect(api.streams[0]!.call.headers["authorization"]).toMatch(/^Bearer /);

    api.arrive(notification("lead_b", { kind: "deal_stage_changed", title: "Deal won", link: "/deals/deal_7", data: { to_stage: "Won" } }));
    expect(await screen.findByRole("button", { name: "Notifications, 2 unread" })).toBeInTheDocument();
    expect(screen.getByText("New notification: Deal moved to Won")).toBeInTheDocument();
    expect(api.streams).toHaveLength(1); // one stream, however often the shell renders
  });

  it("opens a panel of the newest ones that Escape closes, giving focus back to the bell", async () => {
    const api = notificationsApi([notification("lead_a"), notification("lead_b", { kind: "deal_stage_changed", link: "/deals/deal_7", data: { to_stage: "Won" }, read: true, created_at: "2026-11-20T12:00:00Z" })]);
    await renderApp("/", api.fetchFn);
    await screen.findByRole("button", { name: "Notifications, 1 unread" });
    fireEvent.click(bell());
    expect(bell()).toHaveAttribute("aria-expanded", "true");
    const panel = await screen.findByRole("region", { name: "Notifications" });
    await waitFor(() => expect(panel).toHaveFocus());
    const deal = await within(panel).findByRole("link", { name: "Deal moved to Won" });
    expect(deal).toHaveAttribute("href", "/deals/deal_7"); // the app routes it to the deal page
    expect(within(panel).getByRole("link", { name: "Lead assigned to you" })).toHaveAttribute("href", "/leads/lead_1");
    // in the user's locale (en-US here) and time zone
    expect(panel.querySelector('time[datetime="2026-11-23T09:30:00Z"]')).toHaveTextContent(/^Nov 2[34], 2026, \d+:30 [AP]M$/);
    expect(within(panel).getAllByRole("button", { name: "Mark read: Lead assigned to you" })).toHaveLength(1); // only the unread one

    fireEvent.keyDown(deal, { key: "Escape" });
    expect(screen.queryByRole("region", { name: "Notifications" })).not.toBeInTheDocument();
    expect(bell()).toHaveFocus();
    expect(bell()).toHaveAttribute("aria-expanded", "false");
  });

  it("follows a notification to its page and marks it read", async () => {
    const api = notificationsApi([notification("lead_a")]);
    const { router } = await renderApp("/", api.fetchFn);
    await screen.findByRole("button", { name: "Notifications, 1 unread" });
    fireEvent.click(bell());
    fireEvent.click(await screen.findByRole("link", { name: "Lead assigned to you" }));
    await waitFor(() => expect(router.state.location.pathname).toBe("/leads/lead_1"));
    expect(screen.queryByRole("region", { name: "Notifications" })).not.toBeInTheDocument();
    await waitFor(() => expect(api.calls.some((c) => c.method === "POST" && c.url === "/api/v1/notifications/lead_a/read")).toBe(true));
    expect(await screen.findByRole("button", { name: "Notifications" })).toBeInTheDocument();
  });

  it("marks all read: the badge goes", async () => {
    const api = notificationsApi([notification("lead_a"), notification("lead_b")]);
    await renderApp("/", api.fetchFn);
    await screen.findByRole("button", { name: "Notifications, 2 unread" });
    fireEvent.click(bell());
    fireEvent.click(await screen.findByRole("button", { name: "Mark all read" }));
    expect(await screen.findByRole("button", { name: "Notifications" })).toBeInTheDocument();
    expect(screen.queryByTestId("bell-badge")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Mark all read" })).not.toBeInTheDocument();
    // its button gone, focus stays in the panel, and Escape still closes it
    const panel = screen.getByRole("region", { name: "Notifications" });
    await waitFor(() => expect(panel).toHaveFocus());
    fireEvent.keyDown(document.body, { key: "Escape" });
    expect(panel).not.toBeInTheDocument();
    expect(bell()).toHaveFocus();
  });

  it("offers no marking to a viewer, and shows 999+ once the server stopped counting", async () => {
    const api = notificationsApi([notification("lead_a")], ["viewer"], true);
    await renderApp("/", api.fetchFn);
    await screen.findByRole("button", { name: "Notifications, more than 999 unread" });
    expect(screen.getByTestId("bell-badge")).toHaveTextContent("999+");
    fireEvent.click(bell());
    const panel = await screen.findByRole("region", { name: "Notifications" });
    await within(panel).findByRole("link", { name: "Lead assigned to you" });
    expect(within(panel).queryByRole("button")).not.toBeInTheDocument();
    fireEvent.pointerDown(screen.getByRole("main")); // a click elsewhere closes it
    expect(panel).not.toBeInTheDocument();
  });

  it("says what to expect when there is nothing, in Bahasa Indonesia too", async () => {
    const api = notificationsApi([]);
    await renderApp("/", api.fetchFn, "id");
    fireEvent.click(await screen.findByRole("button", { name: "Notifikasi" }));
    expect(await screen.findByText(/Belum ada notifikasi/)).toBeInTheDocument();
  });

  it("reopens the stream with a refreshed token, after the last event it had", async () => {
    const api = notificationsApi([]);
    const { store } = await renderApp("/", api.fetchFn);
    await waitFor(() => expect(api.streams).toHaveLength(1));
    api.arrive(notification("lead_a"));
    await screen.findByRole("button", { name: "Notifications, 1 unread" });
    const renewed = fakeJwt({ sub: "user_sri", tid: "acme", roles: ["sales"], name: "Sri", iat: 2 });
    act(() => store.set({ access_token: renewed, refresh_token: "rt-later", expires_in: 900 }));
    await waitFor(() => expect(api.streams).toHaveLength(2));
    expect(api.streams[0]!.cancelled()).toBe(true);
    expect(api.streams[1]!.call.headers).toMatchObject({ authorization: `Bearer ${renewed}`, "last-event-id": "lead_a" });
  });

  it("closes the stream on log-out", async () => {
    const api = notificationsApi([]);
    await renderApp("/", api.fetchFn);
    await waitFor(() => expect(api.streams).toHaveLength(1));
    fireEvent.click(screen.getByRole("button", { name: "Log out" }));
    await waitFor(() => expect(api.streams[0]!.cancelled()).toBe(true));
    expect(api.streams).toHaveLength(1);
  });
});
