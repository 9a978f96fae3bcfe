/** Start the console: language, API client, data cache, routes. */
import "./styles.css";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { I18nextProvider } from "react-i18next";

import { ApiClient } from "./api/client";
import { ApiError } from "./api/problem";
import { TokenStore } from "./api/tokenStore";
import { App } from "./App";
import { SessionProvider } from "./auth/session";
import { createI18n, initialLanguage } from "./i18n";

/** Retry a failed read twice, but never what the server refused on purpose (4xx). */
function shouldRetry(failures: number, error: unknown): boolean {
  return failures < 2 && !(error instanceof ApiError && error.status < 500);
}

async function start(): Promise<void> {
  const language = initialLanguage(localStorage, navigator.languages);
  document.documentElement.lang = language;
  const i18n = await createI18n(language);
  const store = new TokenStore(sessionStorage);
  const client = new ApiClient(store);
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: shouldRetry, staleTime: 30_000, refetchOnWindowFocus: false } },
  });
  const root = document.getElementById("root");
  if (root === null) throw new Error("index.html has no #root");
  createRoot(root).render(
    <StrictMode>
      <I18nextProvider i18n={i18n}>
        <QueryClientProvider client={queryClient}>
          <SessionProvider client={client} store={store}>
            <App />
          </SessionProvider>
        </QueryClientProvider>
      </I18nextProvider>
    </StrictMode>,
  );
}

void start();
