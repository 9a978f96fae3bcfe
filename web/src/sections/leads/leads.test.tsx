import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { fakeJwt, json, renderApp } from "../../test/renderApp";
import type { Lead, ScoreExplanation } from "./api";
import { changedFields } from "./LeadForm";
import { ratingReason } from "./ScorePanel";

const LEAD: Lead = {
  id: "lead_1",
  first_name: "Andi",
  last_name: "Wijaya",
  email: "andi@contoh.co.id",
  phone: null,
  company: "PT Contoh",
  title: null,
  website: null,
  source: "referral",
  tags: [],
  notes: null,
  owner_id: null,
  status: "new",
  rating: "warm",
  score: 50,
  score_reasons: [{ rule_id: "r1", name: "Referral", points: 20 }],
  unqualified_reason: null,
  converted: null,
  version: 3,
  created_at: "2026-11-20T10:00:00Z",
  updated_at: "2026-11-20T10:00:00Z",
};

const EXPLANATION: ScoreExplanation = {
  score: 50,
  rating: "warm",
  reasons: [
    { rule_id: "r1", name: "Referral", points: 20 },
    { rule_id: "r2", name: "Has company", points: 30 },
  ],
  junk_flag: false,
  hot_threshold: 70,
  warm_threshold: 40,
  junk_below: null,
  up_to_date: true,
};

interface Call {
  method: string;
  path: string;
  body: unknown;
  ifMatch: string | null;
}

/** A gateway with one lead; `contactAfter` GETs of a converted lead until its contact appears. */
function gateway(roles: string[], contactAfter = 1, ownerId: string | null = null) {
  const calls: Call[] = [];
  let lead: Lead = { ...LEAD, owner_id: ownerId };
  let reads = 0;
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const path = String(input);
    const method = init?.method ?? "GET";
    const body: unknown = init?.body ? JSON.parse(String(init.body)) : null;
    calls.push({ method, path, body, ifMatch: new Headers(init?.headers).get("if-match") });
    if (path === "/api/v1/auth/refresh") return json({ access_token: fakeJwt({ sub: "user_sri", tid: "acme", roles }), refresh_token: "rt", expires_in: 900 });
    if (path.startsWith("/api/v1/leads?")) return json({ items: [lead], next_cursor: null });
    if (path === "/api/v1/leads/lead_1/score") return json(EXPLANATION);
    if (path === "/api/v1/users?limit=200") return json({ items: [{ id: "user_budi", email: "budi@acme.id", name: "Budi", active: true }], next_cursor: null });
    if (path === "/api/v1/leads/lead_1" && method === "GET") {
      if (lead.converted !== null && ++reads >= contactAfter) lead = { ...lead, converted: { ...lead.converted, contact_id: "contact_9" } };
      return json(lead);
    }
    if (path === "/api/v1/leads/lead_1/status") {
      lead = { ...lead, status: (body as { status: Lead["status"] }).status, version: lead.version + 1 };
      return json(lead);
    }
    if (path.startsWith("/api/v1/accounts?")) return json({ items: [{ id: "acc_7", name: "PT Pilihan" }], next_cursor: null });
    if (path === "/api/v1/leads/lead_1/convert") {
      lead = { ...lead, status: "converted", converted: { account_name: "PT Contoh", contact_id: null, account_id: null, deal_id: null, converted_at: "2026-11-21T00:00:00Z" } };
      return json(lead);
    }
    return json({ type: "/problems/not-found", status: 404 }, 404);
  };
  return { calls, fetchFn };
}

async function signedIn(path: string, roles: string[], contactAfter = 1, ownerId: string | null = null) {
  sessionStorage.setItem("crm.refresh_token", "rt");
  const { calls, fetchFn } = gateway(roles, contactAfter, ownerId);
  const rendered = await renderApp(path, fetchFn);
  return { ...rendered, calls };
}

describe("the lead list", () => {
  it("takes its filters from the URL (the dashboard links to /leads?rating=hot)", async () => {
    const { calls } = await signedIn("/leads?rating=hot&status=bogus", ["admin"]);
    const table = await screen.findByRole("table", { name: "Leads" });
    expect(within(table).getByRole("link", { name: "Andi Wijaya" })).toHaveAttribute("href", "/leads/lead_1");
    expect(screen.getByLabelText("Rating")).toHaveValue("hot");
    const list = calls.find((call) => call.path.startsWith("/api/v1/leads?"));
    expect(list?.path).toBe("/api/v1/leads?limit=100&rating=hot");
    expect(screen.getByRole("link", { name: "New lead" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Import CSV" })).toBeInTheDocument();
  });

  it("offers only what the role may do", async () => {
    await signedIn("/leads", ["viewer"]);
    await screen.findByRole("table", { name: "Leads" });
    expect(screen.queryByRole("link", { name: "New lead" })).toBeNull();
    expect(screen.queryByRole("link", { name: "Import CSV" })).toBeNull();
    expect(screen.getByRole("button", { name: "Export CSV" })).toBeInTheDocument();
  });

  it("puts a search into the URL", async () => {
    const { router } = await signedIn("/leads", ["marketing"]);
    await screen.findByRole("table", { name: "Leads" });
    expect(screen.queryByRole("link", { name: "New lead" })).toBeNull();
    fireEvent.change(screen.getByRole("searchbox", { name: "Search" }), { target: { value: " wija " } });
    fireEvent.click(screen.getByRole("button", { name: "Search" }));
    await waitFor(() => expect(router.state.location.search).toBe("?q=wija"));
  });
});

describe("a lead", () => {
  it("explains its score and rating by the rules that fired", async () => {
    await signedIn("/leads/lead_1", ["viewer"]);
    const score = await screen.findByRole("region", { name: "Score" });
    expect(await within(score).findByText("Warm: the score 50 is at least 40 but below the hot threshold of 70.")).toBeInTheDocument();
    expect(within(score).getByRole("row", { name: "Has company +30" })).toBeInTheDocument();
    expect(screen.queryByRole("region", { name: "Work this lead" })).toBeNull(); // a viewer only reads
    expect(screen.queryByRole("button", { name: "Edit" })).toBeNull();
  });

  it("asks for a reason before unqualifying, and sends it with the version", async () => {
    const { calls } = await signedIn("/leads/lead_1", ["sales_manager"]);
    fireEvent.click(await screen.findByRole("button", { name: "Unqualify" }));
    const dialog = screen.getByRole("dialog", { name: "Unqualify this lead" });
    fireEvent.click(within(dialog).getByRole("button", { name: "Unqualify" }));
    expect(within(dialog).getByText("Give a reason.")).toBeInTheDocument();
    fireEvent.change(within(dialog).getByLabelText(/Reason/), { target: { value: "No budget" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Unqualify" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    const sent = calls.find((call) => call.path === "/api/v1/leads/lead_1/status");
    expect(sent?.body).toEqual({ status: "unqualified", reason: "No budget" });
    expect(sent?.ifMatch).toBe('"3"');
    expect(await screen.findByRole("button", { name: "Reopen" })).toBeInTheDocument();
  });

  it("lets managers pick any active user as the owner", async () => {
    await signedIn("/leads/lead_1", ["sales_manager"]);
    expect(await screen.findByRole("option", { name: "Budi (budi@acme.id)" })).toBeInTheDocument();
  });

  it("names the owner for roles that may list users, and shows the id to the others", async () => {
    await signedIn("/leads/lead_1", ["sales_manager"], 1, "user_budi");
    const owner = async () => (await screen.findByText("Owner", { selector: "dt" })).nextElementSibling;
    await waitFor(async () => expect(await owner()).toHaveTextContent("Budi"));
    cleanup();
    await signedIn("/leads/lead_1", ["support"], 1, "user_budi");
    expect(await owner()).toHaveTextContent("user_budi");
  });

  it("lets sales take the lead without reading the user list", async () => {
    const { calls } = await signedIn("/leads/lead_1", ["sales"]);
    expect(await screen.findByRole("button", { name: "Assign to me" })).toBeInTheDocument();
    expect(calls.some((call) => call.path.startsWith("/api/v1/users"))).toBe(false);
  });

  it("converts with a deal and opens the new contact once it exists", async () => {
    const { calls, router } = await signedIn("/leads/lead_1", ["admin"], 2);
    fireEvent.click(await screen.findByRole("button", { name: "Convert…" }));
    const dialog = screen.getByRole("dialog", { name: "Convert into a contact" });
    expect(within(dialog).getByLabelText("Account name")).toHaveValue("PT Contoh");
    fireEvent.click(within(dialog).getByLabelText("Also open a deal"));
    fireEvent.change(within(dialog).getByLabelText(/Deal name/), { target: { value: "Langganan 2027" } });
    fireEvent.change(within(dialog).getByLabelText(/Amount \(IDR\)/), { target: { value: "15.000.000" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Convert" }));
    expect(within(dialog).getAllByText("Enter an amount in digits, e.g. 15000000.")[0]).toBeInTheDocument();
    fireEvent.change(within(dialog).getByLabelText(/Amount \(IDR\)/), { target: { value: "15000000" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Convert" }));
    await waitFor(() => expect(router.state.location.pathname).toBe("/contacts/contact_9"), { timeout: 3000 });
    const sent = calls.find((call) => call.path === "/api/v1/leads/lead_1/convert");
    expect(sent?.body).toEqual({ account_name: "PT Contoh", create_deal: { name: "Langganan 2027", amount: "15000000", currency: "IDR" } });
  });
});

describe("converting into an existing account", () => {
  it("sends the chosen account's id and name", async () => {
    const { calls } = await signedIn("/leads/lead_1", ["admin"]);
    fireEvent.click(await screen.findByRole("button", { name: "Convert…" }));
    const dialog = screen.getByRole("dialog", { name: "Convert into a contact" });
    fireEvent.click(within(dialog).getByLabelText("Existing account"));
    fireEvent.click(within(dialog).getByRole("button", { name: "Convert" }));
    expect(within(dialog).getByText("Choose an account, or create a new one.")).toBeInTheDocument();
    await within(dialog).findByRole("option", { name: "PT Pilihan" });
    expect(calls.some((call) => call.path === "/api/v1/accounts?limit=20&sort=name&q=PT+Contoh")).toBe(true);
    fireEvent.change(within(dialog).getByLabelText("Account"), { target: { value: "acc_7" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Convert" }));
    await waitFor(() => expect(calls.some((call) => call.path === "/api/v1/leads/lead_1/convert")).toBe(true));
    expect(calls.find((call) => call.path === "/api/v1/leads/lead_1/convert")?.body).toEqual({ account_id: "acc_7", account_name: "PT Pilihan" });
  });
});

describe("explaining a rating", () => {
  it("names the threshold that decided it", () => {
    expect(ratingReason({ ...EXPLANATION, score: 80, rating: "hot" })).toEqual({ key: "score.hot", values: { score: 80, threshold: 70 } });
    expect(ratingReason({ ...EXPLANATION, score: 10, rating: "cold" })).toEqual({ key: "score.cold", values: { score: 10, threshold: 40 } });
    expect(ratingReason({ ...EXPLANATION, score: 2, rating: "junk", junk_below: 5 })).toEqual({ key: "score.junkBelow", values: { score: 2, threshold: 5 } });
    expect(ratingReason({ ...EXPLANATION, rating: "junk", junk_flag: true }).key).toBe("score.junkFlag");
  });
});

describe("editing", () => {
  it("sends only the fields that changed", () => {
    expect(changedFields(LEAD, { ...LEAD, title: "Direktur", tags: [] })).toEqual({ title: "Direktur" });
    expect(changedFields(LEAD, { ...LEAD, company: null, tags: ["vip"] })).toEqual({ company: null, tags: ["vip"] });
  });
});
