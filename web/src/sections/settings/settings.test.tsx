import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import type { User } from "../../api/users";
import { json, renderApp } from "../../test/renderApp";
import { routeFetch } from "../../test/routeFetch";
import type { Pipeline } from "./types";

const USERS: User[] = [
  { id: "user_sri", email: "sri@contoh.co.id", name: "Sri", roles: ["admin"], active: true, version: 1 },
  { id: "user_budi", email: "budi@contoh.co.id", name: "Budi", roles: ["sales"], active: true, version: 1 },
];

const PIPELINE: Pipeline = {
  id: "pip_1",
  name: "Sales",
  is_default: true,
  version: 4,
  stages: [
    { id: "lead", name: "Lead", probability: 10, kind: "open" },
    { id: "demo", name: "Demo", probability: 40, kind: "open" },
    { id: "offer", name: "Offer", probability: 70, kind: "open" },
    { id: "won", name: "Won", probability: 100, kind: "won" },
    { id: "lost", name: "Lost", probability: 0, kind: "lost" },
  ],
};

function subNav() {
  return screen.findByRole("navigation", { name: "Settings pages" });
}

describe("the settings sub-navigation", () => {
  it("lists every page for an admin and opens the first one", async () => {
    const { fetchFn } = routeFetch({ "GET /api/v1/users": json({ items: USERS, next_cursor: null }) });
    const { router } = await renderApp("/settings", fetchFn);
    const links = within(await subNav()).getAllByRole("link");
    expect(links.map((link) => link.textContent)).toEqual(["Users and roles", "API keys", "Webhooks", "Lead scoring", "Pipelines and stages", "Sales targets"]);
    await waitFor(() => expect(router.state.location.pathname).toBe("/settings/users"));
    expect(await screen.findByRole("button", { name: "Add a user" })).toBeInTheDocument();
  });

  it("shows a sales manager only their pages, users read-only, and refuses an admin page's URL", async () => {
    const { calls, fetchFn } = routeFetch({ "GET /api/v1/users": json({ items: USERS, next_cursor: null }) }, ["sales_manager"]);
    const { router } = await renderApp("/settings/users", fetchFn);
    const links = within(await subNav()).getAllByRole("link");
    expect(links.map((link) => link.textContent)).toEqual(["Users and roles", "Pipelines and stages", "Sales targets"]);
    expect(await screen.findByText("Your role can see the users but not change them.")).toBeInTheDocument();
    expect(await screen.findByRole("cell", { name: "budi@contoh.co.id" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Add a user" })).toBeNull();
    expect(screen.queryByRole("button", { name: /Deactivate/ })).toBeNull();

    await router.navigate("/settings/api-keys");
    expect(await screen.findByRole("heading", { name: "Your role does not allow this." })).toBeInTheDocument();
    expect(calls.some((call) => call.url.startsWith("/api/v1/api-keys"))).toBe(false);
  });

  it("is not offered to a salesperson at all", async () => {
    const { fetchFn } = routeFetch({}, ["sales"]);
    await renderApp("/settings/pipelines", fetchFn);
    expect(await screen.findByRole("heading", { name: "Your role does not allow this." })).toBeInTheDocument();
    expect(screen.queryByRole("navigation", { name: "Settings pages" })).toBeNull();
  });
});

describe("API keys", () => {
  it("shows a new key's secret once, then only its prefix", async () => {
    let keys: unknown[] = [];
    const { calls, fetchFn } = routeFetch({
      "GET /api/v1/api-keys": () => json({ items: keys }),
      "POST /api/v1/api-keys": (call) => {
        const created = { id: "key_1", name: "ERP", prefix: "crm_ab12cd", scopes: (call.body as { scopes: string[] }).scopes, created_by: "user_sri", created_at: "2026-11-20T10:00:00Z", revoked_at: null, last_used_at: null };
        keys = [created];
        return json({ ...created, key: "crm_ab12cd_the_whole_secret" }, 201);
      },
    });
    await renderApp("/settings/api-keys", fetchFn);
    expect(await screen.findByText("No API keys yet. Create one for each integration that calls the API.")).toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "Create an API key" }));
    const dialog = await screen.findByRole("dialog", { name: "Create an API key" });
    fireEvent.change(within(dialog).getByLabelText(/^Name/), { target: { value: "ERP" } });
    fireEvent.click(within(dialog).getByLabelText("Read deals"));
    fireEvent.click(within(dialog).getByRole("button", { name: "Create an API key" }));

    const secret = await screen.findByLabelText("Your new API key");
    expect(secret).toHaveValue("crm_ab12cd_the_whole_secret");
    expect(screen.getByText("Copy it now and keep it somewhere safe: you will not see it again.")).toBeInTheDocument();
    expect(calls.find((call) => call.method === "POST" && call.url === "/api/v1/api-keys")?.body).toEqual({ name: "ERP", scopes: ["deals:read"] });
    expect(await screen.findByRole("cell", { name: "crm_ab12cd…" })).toBeInTheDocument();

    fireEvent.click(screen.getByRole("button", { name: "I have kept it" }));
    expect(screen.queryByLabelText("Your new API key")).toBeNull();
    expect(screen.queryByText(/the_whole_secret/)).toBeNull();
  });
});

describe("the stage editor", () => {
  it("reorders stages with the keyboard-usable buttons, keeping the focus, and saves the order", async () => {
    const { calls, fetchFn } = routeFetch({
      "GET /api/v1/pipelines": json({ items: [PIPELINE], next_cursor: null }),
      "PATCH /api/v1/pipelines/pip_1": (call) => json({ ...PIPELINE, ...(call.body as object), version: 5 }),
    });
    await renderApp("/settings/pipelines", fetchFn);
    fireEvent.click(await screen.findByRole("button", { name: "Edit the stages of Sales" }));
    const down = screen.getByRole("button", { name: "Move Lead down" });
    down.focus();
    fireEvent.click(down);
    await waitFor(() => expect(screen.getByRole("button", { name: "Move Lead down" })).toHaveFocus());
    expect(screen.getByText("Lead is now stage 2 of 5.").closest("[role=status]")).not.toBeNull();
    // at the top the up button is disabled: the focus goes to the down button instead
    fireEvent.click(screen.getByRole("button", { name: "Move Lead up" }));
    await waitFor(() => expect(screen.getByRole("button", { name: "Move Lead down" })).toHaveFocus());
    expect(screen.getByRole("button", { name: "Move Lead up" })).toBeDisabled();
    fireEvent.click(screen.getByRole("button", { name: "Move Offer up" }));
    fireEvent.change(screen.getByLabelText("Probability of Offer (%)"), { target: { value: "60" } });
    fireEvent.click(screen.getByRole("button", { name: "Save the stages" }));

    await waitFor(() => expect(calls.some((call) => call.method === "PATCH")).toBe(true));
    const patch = calls.find((call) => call.method === "PATCH");
    expect(patch?.headers["If-Match"]).toBe('"4"');
    const sent = (patch?.body as { stages: { id: string; probability: number }[] }).stages;
    expect(sent.map((stage) => stage.id)).toEqual(["lead", "offer", "demo", "won", "lost"]);
    expect(sent[1]?.probability).toBe(60);
  });
});

describe("lead scoring", () => {
  it("shows the API's validation errors at the fields they belong to", async () => {
    const config = { rules: [{ id: "rule_1", name: "Referral", field: "source", op: "eq", value: "referral", points: 20 }], hot_threshold: 70, warm_threshold: 40, junk_below: null };
    const { fetchFn } = routeFetch({
      "GET /api/v1/leads/config/scoring": json(config),
      "GET /api/v1/leads/config/assignment": json({ round_robin_owners: [], auto_assign: false }),
      "GET /api/v1/users": json({ items: USERS, next_cursor: null }),
      "PUT /api/v1/leads/config/scoring": json(
        {
          type: "/problems/validation",
          status: 422,
          title: "Unprocessable",
          errors: [
            { field: "rules.0.field", message: "unknown field 'budget'", code: "value_error" },
            { field: "hot_threshold", message: "Input should be less than or equal to 100", code: "less_than_equal" },
          ],
        },
        422,
      ),
    });
    await renderApp("/settings/scoring", fetchFn);
    const field = await screen.findByLabelText("Field of Referral");
    fireEvent.change(field, { target: { value: "budget" } });
    fireEvent.click(screen.getByRole("button", { name: "Save the scoring" }));
    expect(await screen.findByText("unknown field 'budget'")).toBeInTheDocument();
    expect(screen.getByLabelText("Field of Referral")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText(/^Hot from score/)).toHaveAccessibleDescription("Input should be less than or equal to 100");
    expect(screen.getByRole("alert")).toHaveTextContent("Some fields are not valid.");
  });
});

describe("webhooks", () => {
  const WEBHOOK = { id: "whk_1", url: "https://erp.contoh.co.id/hooks", event_types: ["Deal*"], description: null, active: true, consecutive_failures: 0, disabled_reason: null, version: 2, created_at: "2026-11-20T10:00:00Z" };
  const DELIVERY = {
    id: "wdl_1",
    event_id: "evt_1",
    event_type: "WebhookTest",
    status: "delivered",
    url: WEBHOOK.url,
    attempts: [{ at: "2026-11-20T10:01:00Z", status_code: 204, error: null, latency_ms: 12 }],
    last_status: 204,
    last_error: null,
    next_attempt_at: null,
    replays: 0,
    created_at: "2026-11-20T10:01:00Z",
    updated_at: "2026-11-20T10:01:00Z",
  };

  it("creates a subscription with its event patterns and shows the signing secret once", async () => {
    const { calls, fetchFn } = routeFetch({
      "GET /api/v1/webhooks": json({ items: [], next_cursor: null }),
      "POST /api/v1/webhooks": json({ ...WEBHOOK, secret: "whsec_once" }, 201),
    });
    await renderApp("/settings/webhooks", fetchFn);
    fireEvent.click(await screen.findByRole("button", { name: "Add a webhook" }));
    const dialog = await screen.findByRole("dialog", { name: "Add a webhook" });
    fireEvent.change(within(dialog).getByLabelText(/^URL/), { target: { value: " https://erp.contoh.co.id/hooks " } });
    fireEvent.change(within(dialog).getByLabelText(/^Event types/), { target: { value: "Deal*, LeadCreated" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Add a webhook" }));
    expect(await screen.findByLabelText("The webhook's signing secret")).toHaveValue("whsec_once");
    const post = calls.find((call) => call.method === "POST" && call.url === "/api/v1/webhooks");
    expect(post?.body).toEqual({ url: "https://erp.contoh.co.id/hooks", event_types: ["Deal*", "LeadCreated"], description: "" });
    expect(post?.headers["Idempotency-Key"]).toMatch(/^[0-9a-f]{32}$/);
  });

  it("lists the deliveries with their response code and replays one", async () => {
    const { calls, fetchFn } = routeFetch({
      "GET /api/v1/webhooks/whk_1": json(WEBHOOK),
      "GET /api/v1/webhooks/whk_1/deliveries": json({ items: [DELIVERY], next_cursor: null }),
      "GET /api/v1/webhooks/whk_1/deliveries/wdl_1": json(DELIVERY),
      "POST /api/v1/webhooks/whk_1/deliveries/wdl_1/replay": json({ ...DELIVERY, status: "pending", replays: 1 }, 202),
    });
    await renderApp("/settings/webhooks/whk_1", fetchFn);
    const log = await screen.findByRole("table", { name: "Deliveries to this webhook, newest first" });
    const row = within(log).getAllByRole("row")[1]!;
    expect(within(row).getByText("Delivered")).toBeInTheDocument();
    expect(within(row).getByText("204")).toBeInTheDocument();
    fireEvent.click(within(row).getByRole("button", { name: /^Details of WebhookTest/ }));
    const dialog = await screen.findByRole("dialog", { name: "Delivery" });
    expect(await within(dialog).findByText("12 ms")).toBeInTheDocument();
    fireEvent.click(within(dialog).getByRole("button", { name: "Replay" }));
    await waitFor(() => expect(calls.some((call) => call.method === "POST" && call.url.endsWith("/replay"))).toBe(true));
  });

  it("shows a test delivery sent while the log's first read was still on its way", async () => {
    let sent = false;
    const { fetchFn: answer } = routeFetch({
      "GET /api/v1/webhooks/whk_1": json(WEBHOOK),
      "GET /api/v1/webhooks/whk_1/deliveries": () => json({ items: sent ? [DELIVERY] : [], next_cursor: null }),
      "POST /api/v1/webhooks/whk_1/test": () => {
        sent = true;
        return json({ delivery_id: "wdl_1", event_id: "evt_1" }, 202);
      },
    });
    let releaseFirstRead = () => {};
    const firstRead = new Promise<void>((resolve) => {
      releaseFirstRead = resolve;
    });
    let reads = 0;
    const fetchFn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      if (String(input).startsWith("/api/v1/webhooks/whk_1/deliveries") && ++reads === 1) {
        const response = await answer(input, init); // read before the test was sent ...
        await firstRead; // ... and answered after it
        return response;
      }
      return answer(input, init);
    };
    await renderApp("/settings/webhooks/whk_1", fetchFn);
    fireEvent.click(await screen.findByRole("button", { name: "Send a test event" }));
    expect(await screen.findByText("A test event is on its way. Its delivery appears in the log below.")).toBeInTheDocument();
    releaseFirstRead();
    const log = await screen.findByRole("table", { name: "Deliveries to this webhook, newest first" });
    expect(within(log).getByText("WebhookTest")).toBeInTheDocument();
  });
});
