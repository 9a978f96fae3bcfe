import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { json, renderApp } from "../../test/renderApp";
import { routeFetch } from "../../test/routeFetch";
import { CONTACT } from "../contacts/testFixtures";
import { caseRecord } from "./testFixtures";

describe("a case", () => {
  it("resolves with the resolution text and the ETag it was read with", async () => {
    let current = caseRecord();
    const { calls, fetchFn } = routeFetch({
      "GET /api/v1/cases/cas_1": () => json(current),
      "GET /api/v1/contacts/con_1": json(CONTACT),
      "POST /api/v1/cases/cas_1/status": () => {
        current = caseRecord({ version: 4, status: "resolved", resolution: "Address corrected", resolved_at: "2026-11-23T10:00:00Z", sla_breached: true });
        return json(current);
      },
    });
    await renderApp("/cases/cas_1", fetchFn);
    expect(await screen.findByRole("heading", { name: "Invoice shows the wrong address" })).toBeInTheDocument();
    expect(await screen.findByRole("link", { name: "Budi Santoso" })).toHaveAttribute("href", "/contacts/con_1");
    fireEvent.change(screen.getByLabelText("What solved it"), { target: { value: "Address corrected" } });
    fireEvent.click(screen.getByRole("button", { name: "Resolve" }));
    expect(await screen.findByText("Resolved after the SLA")).toBeInTheDocument();
    expect(screen.getByText("Address corrected")).toBeInTheDocument();
    const post = calls.find((call) => call.method === "POST" && call.url.endsWith("/status"));
    expect(post?.headers["If-Match"]).toBe('"3"');
    expect(post?.body).toEqual({ status: "resolved", resolution: "Address corrected" });
    expect(screen.getByRole("button", { name: "Reopen" })).toBeInTheDocument();
  });

  it("shows the fresh state when someone changed the case meanwhile", async () => {
    let reads = 0;
    const { fetchFn } = routeFetch({
      "GET /api/v1/cases/cas_1": () => json(++reads === 1 ? caseRecord() : caseRecord({ version: 5, status: "pending", priority: "urgent" })),
      "POST /api/v1/cases/cas_1/status": json({ type: "/problems/version-conflict", status: 409, title: "Version conflict" }, 409),
    });
    await renderApp("/cases/cas_1", fetchFn);
    fireEvent.click(await screen.findByRole("button", { name: "Resolve" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Someone else changed this case meanwhile.");
    expect(await screen.findByText("Pending")).toBeInTheDocument();
    expect(screen.getByText("Urgent")).toBeInTheDocument();
    await waitFor(() => expect(reads).toBe(2));
  });

  it("is read-only for a role that may not change cases", async () => {
    const { fetchFn } = routeFetch({ "GET /api/v1/cases/cas_1": json(caseRecord()) }, ["sales"]);
    await renderApp("/cases/cas_1", fetchFn);
    expect(await screen.findByText("Your role can read cases but not change them.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Resolve" })).toBeNull();
    expect(screen.getByRole("link", { name: "con_1" })).toBeInTheDocument(); // the contact's name could not be read
  });

  it("opens a case for a contact and shows it", async () => {
    const { calls, fetchFn } = routeFetch({
      "POST /api/v1/cases": json(caseRecord({ id: "cas_9", subject: "Cannot log in", status: "new", sla_due_at: new Date(Date.now() + 3_600_000).toISOString() }), 201),
      "GET /api/v1/cases/cas_9": json(caseRecord({ id: "cas_9", subject: "Cannot log in", status: "new" })),
    });
    const { router } = await renderApp("/cases/new?contact_id=con_1", fetchFn);
    fireEvent.change(await screen.findByLabelText("Subject"), { target: { value: "Cannot log in" } });
    fireEvent.change(screen.getByLabelText("Priority"), { target: { value: "urgent" } });
    fireEvent.click(screen.getByRole("button", { name: "Open the case" }));
    expect(await screen.findByRole("heading", { name: "Cannot log in" })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/cases/cas_9");
    const post = calls.find((call) => call.method === "POST" && call.url === "/api/v1/cases");
    expect(post?.body).toEqual({ subject: "Cannot log in", type: "question", priority: "urgent", contact_id: "con_1" });
  });
});
