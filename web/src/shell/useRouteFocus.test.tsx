import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { DASHBOARD } from "../dashboard/fixtures";
import { json, renderApp } from "../test/renderApp";
import { routeFetch } from "../test/routeFetch";
import { pageTitle } from "./useRouteFocus";

describe("focus on route change", () => {
  it("titles the first page without moving focus, then lands on each new page's heading and announces it", async () => {
    const { fetchFn } = routeFetch({ "GET /api/v1/dashboard": json(DASHBOARD) });
    await renderApp("/", fetchFn);
    await screen.findByRole("heading", { level: 1, name: "Dashboard" });
    await waitFor(() => expect(document.title).toBe("Dashboard – CRM"));
    expect(document.body).toHaveFocus();

    const link = screen.getByRole("link", { name: "Campaigns" });
    link.focus();
    fireEvent.click(link);
    const heading = await screen.findByRole("heading", { level: 1, name: "Campaigns" });
    await waitFor(() => expect(heading).toHaveFocus());
    expect(heading).toHaveAttribute("tabindex", "-1");
    expect(document.title).toBe("Campaigns – CRM");
    expect(screen.getAllByRole("status").some((region) => region.textContent === "Campaigns")).toBe(true);

    fireEvent.click(screen.getByRole("link", { name: "Dashboard" }));
    const dashboard = await screen.findByRole("heading", { level: 1, name: "Dashboard" });
    await waitFor(() => expect(dashboard).toHaveFocus());
    expect(document.title).toBe("Dashboard – CRM");
  });

  it("keeps the application's name alone when a page has no heading", () => {
    expect(pageTitle("", "CRM")).toBe("CRM");
    expect(pageTitle("Leads", "CRM")).toBe("Leads – CRM");
  });
});
