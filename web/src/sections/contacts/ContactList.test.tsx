import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { json, renderApp } from "../../test/renderApp";
import { routeFetch } from "../../test/routeFetch";
import { CONTACT } from "./testFixtures";

describe("the contact list", () => {
  it("sends the URL's filters to the API and loads the next page with the cursor", async () => {
    const { calls, fetchFn } = routeFetch({
      "GET /api/v1/contacts": (call) =>
        call.url.includes("cursor=c2")
          ? json({ items: [{ ...CONTACT, id: "con_2", first_name: "Sari", last_name: "Dewi" }], next_cursor: null })
          : json({ items: [CONTACT], next_cursor: "c2" }),
    });
    await renderApp("/contacts?rfm_segment=champions", fetchFn);
    expect(await screen.findByRole("link", { name: "Budi Santoso" })).toBeInTheDocument();
    expect(screen.getByLabelText("RFM segment")).toHaveValue("champions");
    expect(calls.find((call) => call.url.startsWith("/api/v1/contacts"))?.url).toBe("/api/v1/contacts?limit=50&rfm_segment=champions");
    fireEvent.click(screen.getByRole("button", { name: "Load more" }));
    expect(await screen.findByRole("link", { name: "Sari Dewi" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });

  it("puts the search into the URL after a pause in typing", async () => {
    const { fetchFn } = routeFetch({ "GET /api/v1/contacts": json({ items: [], next_cursor: null }) });
    const { router } = await renderApp("/contacts", fetchFn);
    expect(await screen.findByText(/No contacts yet/)).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText("Search by name or e-mail"), { target: { value: "budi " } });
    await waitFor(() => expect(router.state.location.search).toBe("?q=budi"));
    expect(await screen.findByText("No contact matches. Change the search or the filters.")).toBeInTheDocument();
  });
});
