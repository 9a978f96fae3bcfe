import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, renderHook } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { ApiClient } from "../../api/client";
import { TokenStore } from "../../api/tokenStore";
import { SessionProvider } from "../../auth/session";
import { json } from "../../test/renderApp";
import { PREVIEW_DELAY_MS, useLivePreview } from "./useLivePreview";

interface Pending {
  body: { n: number };
  resolve: (response: Response) => void;
}

function setup() {
  const pending: Pending[] = [];
  const fetchFn = vi.fn(
    (_input: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((resolve) => {
        pending.push({ body: JSON.parse(String(init?.body)) as { n: number }, resolve });
      }),
  );
  const store = new TokenStore(sessionStorage);
  store.set({ access_token: "token", refresh_token: "refresh", expires_in: 900 });
  const client = new ApiClient(store, fetchFn as typeof fetch);
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={queryClient}>
      <SessionProvider client={client} store={store}>
        {children}
      </SessionProvider>
    </QueryClientProvider>
  );
  return { pending, fetchFn, wrapper };
}

async function settle(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

describe("a live preview", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("asks for the first input at once, then once a change has been still", async () => {
    const { pending, fetchFn, wrapper } = setup();
    const { result, rerender } = renderHook(({ n }) => useLivePreview<{ count: number }>("/api/v1/segments/preview", { n }), { wrapper, initialProps: { n: 1 } });
    await settle(PREVIEW_DELAY_MS / 2);
    rerender({ n: 2 });
    await settle(PREVIEW_DELAY_MS / 2);
    rerender({ n: 3 });
    await settle(PREVIEW_DELAY_MS + 10);
    expect(pending.map((call) => call.body.n)).toEqual([1, 3]); // never 2
    expect(fetchFn).toHaveBeenCalledTimes(2);
    await act(async () => pending[1]!.resolve(json({ count: 30 })));
    await settle(0);
    expect(result.current).toMatchObject({ data: { count: 30 }, outdated: false });
  });

  it("never shows an answer that arrives after the input changed again", async () => {
    const { pending, wrapper } = setup();
    const { result, rerender } = renderHook(({ n }) => useLivePreview<{ count: number }>("/api/v1/segments/preview", { n }), { wrapper, initialProps: { n: 1 } });
    await settle(PREVIEW_DELAY_MS + 10);
    rerender({ n: 2 });
    await settle(PREVIEW_DELAY_MS + 10);
    expect(pending.map((call) => call.body.n)).toEqual([1, 2]);
    // the newer answer first, then the older one: the newer one stays
    await act(async () => pending[1]!.resolve(json({ count: 20 })));
    await settle(0);
    expect(result.current).toMatchObject({ data: { count: 20 }, outdated: false });
    await act(async () => pending[0]!.resolve(json({ count: 10 })));
    await settle(0);
    expect(result.current.data).toEqual({ count: 20 });
    // while a change waits for its answer, the last answer shows, marked outdated
    rerender({ n: 3 });
    expect(result.current).toMatchObject({ data: { count: 20 }, outdated: true });
    rerender({ n: 2 });
    await settle(PREVIEW_DELAY_MS + 10);
    expect(result.current).toMatchObject({ data: { count: 20 }, outdated: false });
  });

  it("asks nothing while there is nothing to preview", async () => {
    const { fetchFn, wrapper } = setup();
    const { result } = renderHook(() => useLivePreview("/api/v1/segments/preview", null), { wrapper });
    await settle(PREVIEW_DELAY_MS * 2);
    expect(fetchFn).not.toHaveBeenCalled();
    expect(result.current).toMatchObject({ data: undefined, outdated: false });
  });
});
