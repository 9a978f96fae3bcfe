/** The console's only way to the server: `/api/v1/...` on the gateway that serves it. */

import { ApiError, NetworkError, problemFrom } from "./problem";
import type { TokenPair, TokenStore } from "./tokenStore";

/** A path of the public API (the console calls nothing else). */
export type ApiPath = `/api/v1/${string}`;

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Sent as `application/json`. */
  json?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * Calls the API with the session's access token. A 401 refreshes the tokens once and
 * retries the request; requests failing together share that one refresh (each refresh
 * token works only once, so two refreshes would end the session). When the refresh is
 * refused, the session is over: the tokens are cleared and `onSessionEnded` runs.
 */
export class ApiClient {
  private refreshing: Promise<boolean> | null = null;

  constructor(
    private readonly store: TokenStore,
    private readonly fetchFn: typeof fetch = (input, init) => fetch(input, init),
    private readonly onSessionEnded: () => void = () => {},
  ) {}

  /** Log in with e-mail and password; throws ApiError (401 wrong, 429 throttled, 422). */
  async login(email: string, password: string): Promise<void> {
    const response = await this.send("/api/v1/auth/token", { method: "POST", json: { email, password } }, null);
    this.store.set((await response.json()) as TokenPair);
  }

  /** End the session on the server (best effort) and forget the tokens. */
  async logout(): Promise<void> {
    const refresh = this.store.refreshToken;
    this.store.clear();
    if (refresh === null) return;
    try {
      await this.send("/api/v1/auth/logout", { method: "POST", json: { refresh_token: refresh } }, null);
    } catch {
      // the tokens are gone from this page either way; the access token expires by itself
    }
  }

  /** After a page load: trade the kept refresh token for an access token. True if signed in. */
  async resume(): Promise<boolean> {
    if (this.store.accessToken !== null) return true;
    if (this.store.refreshToken === null) return false;
    return this.refresh();
  }

  /** The JSON body of a successful call (undefined for 204); ApiError or NetworkError otherwise. */
  async request<T>(path: ApiPath, options: RequestOptions = {}): Promise<T> {
    const response = await this.withToken((token) => this.send(path, options, token, false));
    if (!response.ok) throw await problemFrom(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  /** A file the API serves (a CSV export), with the name the server suggests. */
  async download(path: ApiPath, options: RequestOptions = {}): Promise<{ blob: Blob; filename: string | null }> {
    const response = await this.withToken((token) => this.send(path, { ...options, headers: { accept: "*/*", ...options.headers } }, token, false));
    if (!response.ok) throw await problemFrom(response);
    const disposition = response.headers.get("content-disposition") ?? "";
    const filename = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? null;
    return { blob: await response.blob(), filename };
  }

  /** A response to read as it arrives (the notification stream), sent with the session's
   * token like `request`; ApiError or NetworkError when it does not open. */
  async openStream(path: ApiPath, options: RequestOptions = {}): Promise<Response> {
    const headers = { accept: "text/event-stream", ...options.headers };
    const response = await this.withToken((token) => this.send(path, { ...options, headers }, token, false));
    if (!response.ok) throw await problemFrom(response);
    return response;
  }

  /**
   * Run `call` with the session's access token; when it answers 401, refresh the tokens once
   * (shared with concurrent calls) and run it again. For transports other than `fetch`
   * (an upload through XMLHttpRequest, to report its progress).
   */
  async withToken<R extends { status: number }>(call: (token: string | null) => Promise<R>): Promise<R> {
    if (this.store.accessToken === null && this.store.refreshToken !== null) await this.refresh();
    const token = this.store.accessToken;
    let response = await call(token);
    if (response.status === 401 && this.store.refreshToken !== null) {
      // another request may have refreshed meanwhile: then just use its new token
      const renewed = this.store.accessToken !== token || (await this.refresh());
      if (renewed) response = await call(this.store.accessToken);
    }
    return response;
  }

  /** One refresh at a time; false (and the session cleared) when the server refuses it. */
  private refresh(): Promise<boolean> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<boolean> {
    const refresh = this.store.refreshToken;
    if (refresh === null) return false;
    try {
      const response = await this.send("/api/v1/auth/refresh", { method: "POST", json: { refresh_token: refresh } }, null);
      this.store.set((await response.json()) as TokenPair);
      return true;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 422)) {
        this.store.clear();
        this.onSessionEnded();
        return false;
      }
      throw error; // the server is down or busy: keep the refresh token for the next try
    }
  }

  private async send(path: ApiPath, options: RequestOptions, token: string | null, throwOnError = true): Promise<Response> {
    // resolved as the browser will (`..`, `%2e%2e`): it must stay under /api/v1/
    if (!new URL(path, "http://console.invalid").pathname.startsWith("/api/v1/")) throw new Error(`not an API path: ${path}`);
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (options.json !== undefined) headers["content-type"] = "application/json";
    if (token !== null) headers["authorization"] = `Bearer ${token}`;
    let response: Response;
    try {
      response = await this.fetchFn(path, {
        method: options.method ?? (options.json === undefined ? "GET" : "POST"),
        headers,
        body: options.json === undefined ? null : JSON.stringify(options.json),
        credentials: "same-origin",
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw new NetworkError(error instanceof Error ? error.message : String(error));
    }
    if (throwOnError && !response.ok) throw await problemFrom(response);
    return response;
  }
}
