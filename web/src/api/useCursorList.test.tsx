import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { describe, expect, it } from "vitest";

import { SessionProvider } from "../auth/session";
import { fakeJwt } from "../test/renderApp";
import { ApiClient, type ApiPath } from "./client";
import { TokenStore } from "./tokenStore";
import { type CursorPage, listUrl, useCursorList } from "./useCursorList";

describe("listUrl", () => {
  it("drops empty parameters and sorts the rest (one cache key per list)", () => {
    expect(listUrl("/api/v1/cases", { sort: "sla_due_at", priority: "high", status: "", cursor: null, limit: 50, open_tasks: undefined })).toBe(
      "/api/v1/cases?limit=50&priority=high&sort=sla_due_at",
    );
  });

  it("encodes values and keeps a bare path bare", () => {
    expect(listUrl("/api/v1/contacts", { q: "budi & sari" })).toBe("/api/v1/contacts?q=budi+%26+sari");
    expect(listUrl("/api/v1/contacts", {})).toBe("/api/v1/contacts");
  });
});

describe("useCursorList", () => {
  it("loads the first page, then the next one by its cursor, until there is none", async () => {
    const urls: ApiPath[] = [];
    const pages: Record<string, CursorPage<number>> = {
      "/api/v1/leads?rating=hot": { items: [1, 2], next_cursor: "p2" },
      "/api/v1/leads?cursor=p2&rating=hot": { items: [3], next_cursor: null },
    };
    const fetchFn = async (input: RequestInfo | URL): Promise<Response> => {
      const url = String(input) as ApiPath;
      urls.push(url);
      const page = pages[url];
      if (page === undefined) throw new Error(`unexpected ${url}`);
      return new Response(JSON.stringify(page), { headers: { "content-type": "application/json" } });
    };
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const store = new TokenStore(sessionStorage);
    store.set({ access_token: fakeJwt({ sub: "user_sri", tid: "acme", roles: ["admin"], name: "Sri" }), refresh_token: "rt", expires_in: 900 });
    const wrapper = ({ children }: { children: ReactNode }) => (
      <QueryClientProvider client={client}>
        <SessionProvider client={new ApiClient(store, fetchFn)} store={store}>
          {children}
        </SessionProvider>
      </QueryClientProvider>
    );
    const { result } = renderHook(() => useCursorList<number>(["test"], "/api/v1/leads", { rating: "hot" }), { wrapper });

    expect(result.current.isPending).toBe(true);
    await waitFor(() => expect(result.current.items).toEqual([1, 2]));
    expect(result.current.complete).toBe(false);
    act(() => result.current.loadMore());
    act(() => result.current.loadMore()); // a second call while loading asks nothing more
    await waitFor(() => expect(result.current.items).toEqual([1, 2, 3]));
    expect(result.current.complete).toBe(true);
    act(() => result.current.loadMore());
    expect(urls).toEqual(["/api/v1/leads?rating=hot", "/api/v1/leads?cursor=p2&rating=hot"]);
  });
});
