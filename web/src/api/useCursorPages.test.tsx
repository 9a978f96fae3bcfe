import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { describe, expect, it } from "vitest";

import type { ApiPath } from "./client";
import { type CursorPage, pageUrl, useCursorPages } from "./useCursorPages";

describe("pageUrl", () => {
  it("adds the non-empty parameters and the cursor", () => {
    expect(pageUrl("/api/v1/leads", { rating: "hot", q: undefined, tag: "" }, null)).toBe("/api/v1/leads?rating=hot");
    expect(pageUrl("/api/v1/leads", {}, "c=1&x")).toBe("/api/v1/leads?cursor=c%3D1%26x");
  });
});

describe("useCursorPages", () => {
  it("loads the first page, then the next one by its cursor, until there is none", async () => {
    const urls: ApiPath[] = [];
    const pages: Record<string, CursorPage<number>> = {
      "/api/v1/leads?rating=hot": { items: [1, 2], next_cursor: "p2" },
      "/api/v1/leads?rating=hot&cursor=p2": { items: [3], next_cursor: null },
    };
    const fetchPage = async (url: ApiPath) => {
      urls.push(url);
      const page = pages[url];
      if (page === undefined) throw new Error(`unexpected ${url}`);
      return page;
    };
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
    const { result } = renderHook(() => useCursorPages(["test"], "/api/v1/leads", { rating: "hot" }, fetchPage), { wrapper });

    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(result.current.items).toEqual([1, 2]));
    expect(result.current.complete).toBe(false);
    act(() => result.current.loadMore());
    act(() => result.current.loadMore()); // a second call while loading asks nothing more
    await waitFor(() => expect(result.current.items).toEqual([1, 2, 3]));
    expect(result.current.complete).toBe(true);
    act(() => result.current.loadMore());
    expect(urls).toEqual(["/api/v1/leads?rating=hot", "/api/v1/leads?rating=hot&cursor=p2"]);
  });
});
