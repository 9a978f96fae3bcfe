/** Render the whole console (its real routes) at a path, against a stand-in `fetch`. */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, type RenderResult } from "@testing-library/react";
import { I18nextProvider } from "react-i18next";
import { createMemoryRouter, RouterProvider } from "react-router";

import { ApiClient } from "../api/client";
import { TokenStore } from "../api/tokenStore";
import { routes } from "../App";
import { SessionProvider } from "../auth/session";
import { createI18n, type Language } from "../i18n";

/** An unsigned JWT with these claims (the console only reads them). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${encode({ alg: "EdDSA" })}.${encode(claims)}.signature`;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(JSON.stringify(body), { status, headers: { "content-type": type, ...headers } });
}

export interface Rendered extends RenderResult {
  store: TokenStore;
  router: ReturnType<typeof createMemoryRouter>;
}

export async function renderApp(path: string, fetchFn: typeof fetch, language: Language = "en"): Promise<Rendered> {
  const i18n = await createI18n(language);
  const store = new TokenStore(sessionStorage);
  const client = new ApiClient(store, fetchFn);
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const result = render(
    <I18nextProvider i18n={i18n}>
      <QueryClientProvider client={queryClient}>
        <SessionProvider client={client} store={store}>
          <RouterProvider router={router} />
        </SessionProvider>
      </QueryClientProvider>
    </I18nextProvider>,
  );
  return { ...result, store, router };
}
