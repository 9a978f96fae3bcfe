import { beforeEach, describe, expect, it } from "vitest";

import { ApiClient } from "./client";
import { ApiError, NetworkError } from "./problem";
import { TokenStore } from "./tokenStore";

interface Call {
  path: string;
  method: string;
  authorization: string | null;
  body: unknown;
}

/** A stand-in gateway: valid access tokens, rotating one-use refresh tokens. */
class FakeGateway {
  calls: Call[] = [];
  validAccess = new Set<string>();
  validRefresh = new Set<string>(["rt-0"]);
  refreshes = 0;
  down = false;

  fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    const body: unknown = init?.body ? JSON.parse(String(init.body)) : null;
    const path = String(input);
    this.calls.push({ path, method: init?.method ?? "GET", authorization: headers.get("authorization"), body });
    await Promise.resolve(); // answer asynchronously, as a network would
    if (this.down) throw new TypeError("Failed to fetch");
    if (path === "/api/v1/auth/refresh") {
      const token = (body as { refresh_token: string }).refresh_token;
      if (!this.validRefresh.delete(token)) return this.problem(401, "unauthorized");
      this.refreshes += 1;
      return this.tokens(`at-${this.refreshes}`, `rt-${this.refreshes}`);
    }
    if (path === "/api/v1/auth/logout") return new Response(null, { status: 204 });
    const token = headers.get("authorization")?.replace("Bearer ", "") ?? "";
    if (!this.validAccess.has(token)) return this.problem(401, "unauthorized");
    return new Response(JSON.stringify({ path }), { status: 200, headers: { "content-type": "application/json" } });
  };

  tokens(access: string, refresh: string): Response {
    this.validAccess.add(access);
    this.validRefresh.add(refresh);
    return new Response(JSON.stringify({ access_token: access, refresh_token: refresh, expires_in: 900 }), { status: 200 });
  }

  problem(status: number, slug: string): Response {
    return new Response(JSON.stringify({ type: `/problems/${slug}`, status }), {
      status,
      headers: { "content-type": "application/problem+json" },
    });
  }

  calledPaths(): string[] {
    return this.calls.map((call) => call.path);
  }
}

describe("ApiClient", () => {
  let gateway: FakeGateway;
  let store: TokenStore;
  let client: ApiClient;

  beforeEach(() => {
    gateway = new FakeGateway();
    store = new TokenStore(sessionStorage);
    client = new ApiClient(store, gateway.fetch);
  });

  it("sends the access token and returns the JSON body", async () => {
    store.set({ access_token: "at-x", refresh_token: "rt-0", expires_in: 900 });
    gateway.validAccess.add("at-x");
    await expect(client.request("/api/v1/leads")).resolves.toEqual({ path: "/api/v1/leads" });
    expect(gateway.calls[0]?.authorization).toBe("Bearer at-x");
  });

  it("refreshes once on a 401 and retries the request", async () => {
    store.set({ access_token: "expired", refresh_token: "rt-0", expires_in: 900 });
    await expect(client.request("/api/v1/leads")).resolves.toEqual({ path: "/api/v1/leads" });
    expect(gateway.calledPaths()).toEqual(["/api/v1/leads", "/api/v1/auth/refresh", "/api/v1/leads"]);
    expect(gateway.calls[2]?.authorization).toBe("Bearer at-1");
    expect(store.refreshToken).toBe("rt-1");
  });

  it("shares one refresh between requests failing together", async () => {
    store.set({ access_token: "expired", refresh_token: "rt-0", expires_in: 900 });
    const results = await Promise.all([
      client.request("/api/v1/leads"),
      client.request("/api/v1/contacts"),
      client.request("/api/v1/dashboard"),
    ]);
    expect(results).toHaveLength(3);
    expect(gateway.refreshes).toBe(1);
    expect(gateway.calledPaths().filter((path) => path === "/api/v1/auth/refresh")).toHaveLength(1);
  });

  it("resumes a session after a reload from the kept refresh token", async () => {
    sessionStorage.setItem("crm.refresh_token", "rt-0");
    const reloaded = new TokenStore(sessionStorage);
    const again = new ApiClient(reloaded, gateway.fetch);
    expect(reloaded.accessToken).toBeNull();
    await expect(again.resume()).resolves.toBe(true);
    expect(reloaded.accessToken).toBe("at-1");
  });

  it("ends the session when the refresh is refused, and reports the 401", async () => {
    store.set({ access_token: "expired", refresh_token: "rt-stolen-and-used", expires_in: 900 });
    const changes: (string | null)[] = [];
    store.subscribe(() => changes.push(store.accessToken));
    const error = await client.request("/api/v1/leads").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect(store.refreshToken).toBeNull();
    expect(changes).toEqual([null]);
  });

  it("keeps the refresh token when the server cannot be reached", async () => {
    store.set({ access_token: "expired", refresh_token: "rt-0", expires_in: 900 });
    gateway.down = true;
    await expect(client.request("/api/v1/leads")).rejects.toBeInstanceOf(NetworkError);
    expect(store.refreshToken).toBe("rt-0");
  });

  it("logs in and keeps the tokens; a refused log-in is an ApiError", async () => {
    gateway.fetch = async (_input, init) => {
      const body = JSON.parse(String(init?.body)) as { password: string };
      return body.password === "right" ? gateway.tokens("at-login", "rt-login") : gateway.problem(401, "unauthorized");
    };
    client = new ApiClient(store, gateway.fetch);
    await expect(client.login("a@b.co", "wrong")).rejects.toMatchObject({ status: 401, slug: "unauthorized" });
    expect(store.accessToken).toBeNull();
    await client.login("a@b.co", "right");
    expect(store.accessToken).toBe("at-login");
    expect(sessionStorage.getItem("crm.refresh_token")).toBe("rt-login");
  });

  it("logs out on the server and forgets the tokens", async () => {
    store.set({ access_token: "at-x", refresh_token: "rt-0", expires_in: 900 });
    await client.logout();
    expect(gateway.calls.at(-1)).toMatchObject({ path: "/api/v1/auth/logout", body: { refresh_token: "rt-0" } });
    expect(store.accessToken).toBeNull();
    expect(store.refreshToken).toBeNull();
  });

  it("calls nothing outside /api/v1/", async () => {
    store.set({ access_token: "at-x", refresh_token: "rt-0", expires_in: 900 });
    for (const path of ["/api/v1/../../metrics", "/api/v1/%2e%2e/%2E%2E/metrics", "/metrics"]) {
      await expect(client.request(path as "/api/v1/x")).rejects.toThrow(/not an API path/);
    }
    expect(gateway.calls).toEqual([]);
  });
});
