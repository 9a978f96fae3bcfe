import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { json, renderApp } from "../../test/renderApp";
import { routeFetch } from "../../test/routeFetch";
import { CONTACT, task } from "../contacts/testFixtures";
import type { Account } from "../contacts/types";

const ACCOUNT: Account = {
  id: "acc_1",
  version: 1,
  name: "PT Maju Jaya",
  domain: "majujaya.co.id",
  website: "https://majujaya.co.id",
  industry: "Retail",
  employee_count: 1200,
  annual_revenue: "25000000000",
  currency: "IDR",
  phone: null,
  type: "customer",
  tags: [],
  owner_id: null,
  created_at: "2026-10-01T00:00:00Z",
};

describe("an account", () => {
  it("shows its facts, its contacts and the activities logged on it", async () => {
    const { calls, fetchFn } = routeFetch({
      "GET /api/v1/accounts/acc_1": json(ACCOUNT),
      "GET /api/v1/accounts/acc_1/contacts": json({ items: [CONTACT], next_cursor: null }),
      "GET /api/v1/activities": json({ items: [task({ account_id: "acc_1", contact_id: null })], next_cursor: null }),
    });
    await renderApp("/accounts/acc_1", fetchFn, "id");
    expect(await screen.findByRole("heading", { name: "PT Maju Jaya", level: 1 })).toBeInTheDocument();
    expect(screen.getByText("1.200")).toBeInTheDocument();
    expect(screen.getByText("Pelanggan")).toBeInTheDocument();
    const contacts = screen.getByRole("region", { name: "Kontak" });
    expect(await within(contacts).findByRole("link", { name: "Budi Santoso" })).toHaveAttribute("href", "/contacts/con_1");
    expect(await screen.findByText("Send the quote")).toBeInTheDocument();
    expect(calls.some((call) => call.url === "/api/v1/activities?account_id=acc_1&limit=20")).toBe(true);
  });
});
