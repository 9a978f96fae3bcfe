import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { DASHBOARD } from "./dashboard/fixtures";
import { fakeJwt, json, renderApp } from "./test/renderApp";

function tokens(roles: string[]) {
  return { access_token: fakeJwt({ sub: "user_sri", tid: "acme", roles, name: "Sri" }), refresh_token: "rt-next", expires_in: 900 };
}

/** A gateway answering the log-in with `login` and everything else as a valid session would. */
function gateway(login: () => Response, roles = ["admin"]) {
  const calls: string[] = [];
  const fetchFn = async (input: RequestInfo | URL): Promise<Response> => {
    const path = String(input);
    calls.push(path);
    if (path === "/api/v1/auth/token") return login();
    if (path === "/api/v1/auth/refresh") return json(tokens(roles));
    if (path === "/api/v1/auth/logout") return new Response(null, { status: 204 });
    if (path === "/api/v1/dashboard") return json(DASHBOARD);
    return json({ type: "/problems/not-found", status: 404 }, 404);
  };
  return { calls, fetchFn };
}

async function logIn(email = "sri@acme.id", password = "secret") {
  fireEvent.change(await screen.findByLabelText("E-mail"), { target: { value: email } });
  fireEvent.change(screen.getByLabelText("Password"), { target: { value: password } });
  fireEvent.click(screen.getByRole("button", { name: "Log in" }));
}

describe("log-in", () => {
  it("sends a visitor to the log-in page and says when the password is wrong", async () => {
    const { fetchFn } = gateway(() => json({ type: "/problems/unauthorized", status: 401 }, 401));
    await renderApp("/leads", fetchFn);
    await logIn();
    expect(await screen.findByRole("alert")).toHaveTextContent("The e-mail or the password is wrong.");
  });

  it("says how long to wait when log-ins are throttled", async () => {
    const { fetchFn } = gateway(() => json({ type: "/problems/too-many-requests", status: 429 }, 429, { "retry-after": "840" }));
    await renderApp("/", fetchFn);
    await logIn();
    expect(await screen.findByRole("alert")).toHaveTextContent("Try again in 14 minutes.");
  });

  it("says when the server is down", async () => {
    await renderApp("/", () => Promise.reject(new TypeError("Failed to fetch")));
    await logIn();
    expect(await screen.findByRole("alert")).toHaveTextContent("The server cannot be reached.");
  });

  it("marks an invalid e-mail at its field", async () => {
    const invalid = { type: "/problems/validation-error", status: 422, errors: [{ field: "email", message: "x", code: "value_error" }] };
    const { fetchFn } = gateway(() => json(invalid, 422));
    await renderApp("/", fetchFn);
    await logIn("not-an-email");
    const field = await screen.findByLabelText("E-mail");
    await waitFor(() => expect(field).toHaveAttribute("aria-invalid", "true"));
    expect(field).toHaveAccessibleDescription("Enter a valid e-mail address.");
  });

  it("goes on to the page asked for, and shows the dashboard's figures", async () => {
    const { fetchFn } = gateway(() => json(tokens(["admin"])));
    const { router } = await renderApp("/", fetchFn);
    await logIn();
    const figures = await screen.findByTestId("dashboard-figures");
    expect(router.state.location.pathname).toBe("/");
    expect(within(figures).getByText("1,234")).toBeInTheDocument();
    expect(within(figures).getByText("Your role does not cover this figure.")).toBeInTheDocument();
  });
});

describe("the shell", () => {
  it("shows Settings to an admin only", async () => {
    sessionStorage.setItem("crm.refresh_token", "rt-kept");
    await renderApp("/", gateway(() => json({}), ["admin"]).fetchFn);
    const nav = await screen.findByRole("navigation", { name: "Sections" });
    expect(within(nav).getByRole("link", { name: "Settings" })).toBeInTheDocument();
  });

  it("hides Settings from other roles and refuses its page", async () => {
    sessionStorage.setItem("crm.refresh_token", "rt-kept");
    await renderApp("/settings", gateway(() => json({}), ["sales"]).fetchFn);
    const nav = await screen.findByRole("navigation", { name: "Sections" });
    expect(within(nav).queryByRole("link", { name: "Settings" })).toBeNull();
    expect(within(nav).getAllByRole("link")).toHaveLength(7);
    expect(await screen.findByRole("heading", { name: "Your role does not allow this." })).toBeInTheDocument();
  });

  it("stays on the page after a reload (the kept refresh token resumes the session)", async () => {
    sessionStorage.setItem("crm.refresh_token", "rt-kept");
    const { calls, fetchFn } = gateway(() => json({}));
    const { router } = await renderApp("/campaigns", fetchFn);
    expect(await screen.findByRole("heading", { name: "Campaigns" })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/campaigns");
    expect(calls[0]).toBe("/api/v1/auth/refresh");
    expect(calls).toContain("/api/v1/campaigns?limit=50"); // the section's screen asks as the resumed user
  });

  it("switches to Bahasa Indonesia", async () => {
    sessionStorage.setItem("crm.refresh_token", "rt-kept");
    await renderApp("/", gateway(() => json({})).fetchFn);
    fireEvent.change(await screen.findByLabelText("Language"), { target: { value: "id" } });
    const nav = await screen.findByRole("navigation", { name: "Bagian" });
    expect(within(nav).getByRole("link", { name: "Prospek" })).toBeInTheDocument();
    expect(await screen.findByText("1.234")).toBeInTheDocument();
    expect(localStorage.getItem("crm.language")).toBe("id");
  });

  it("logs out on the server and returns to the log-in page", async () => {
    sessionStorage.setItem("crm.refresh_token", "rt-kept");
    const { calls, fetchFn } = gateway(() => json({}));
    const { store } = await renderApp("/", fetchFn);
    fireEvent.click(await screen.findByRole("button", { name: "Log out" }));
    expect(await screen.findByRole("status")).toHaveTextContent("You have logged out.");
    expect(calls).toContain("/api/v1/auth/logout");
    expect(store.refreshToken).toBeNull();
  });

  it("says the session ended when the server refuses the refresh", async () => {
    sessionStorage.setItem("crm.refresh_token", "rt-kept");
    let refreshes = 0;
    const fetchFn = async (input: RequestInfo | URL): Promise<Response> => {
      const path = String(input);
      if (path === "/api/v1/auth/refresh") {
        refreshes += 1;
        return refreshes === 1 ? json(tokens(["admin"])) : json({ type: "/problems/unauthorized", status: 401 }, 401);
      }
      return json({ type: "/problems/unauthorized", status: 401 }, 401); // the access token was revoked
    };
    await renderApp("/", fetchFn);
    expect(await screen.findByText("Your session has ended. Please log in again.")).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Log in to the CRM" })).toBeInTheDocument();
  });
});

describe("links from elsewhere", () => {
  it("opens a deal's page from the /deals/<id> link a notification carries", async () => {
    sessionStorage.setItem("crm.refresh_token", "rt-kept");
    const { fetchFn } = gateway(() => json({}));
    const { router } = await renderApp("/deals/deal_01", fetchFn);
    await waitFor(() => expect(router.state.location.pathname).toBe("/pipeline/deals/deal_01"));
  });
});
