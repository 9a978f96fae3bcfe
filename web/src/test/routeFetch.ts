/** A stand-in `fetch` for screen tests: a signed-in session plus handlers by method and path. */
import { fakeJwt, json } from "./renderApp";

/** One request the screens made. */
export interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** Answers `"GET /api/v1/x"` (path without query) with a response, or a function of the call. */
export type Handlers = Record<string, Response | ((call: Call) => Response)>;

/** Sign a user with `roles` in (the kept refresh token) and answer the API from `handlers`;
 * anything else is a 404 problem. */
export function routeFetch(handlers: Handlers, roles: string[] = ["admin"], userId = "user_sri") {
  sessionStorage.setItem("crm.refresh_token", "rt-kept");
  const calls: Call[] = [];
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const method = init?.method ?? "GET";
    const body: unknown = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
    const call = { method, url, headers: (init?.headers ?? {}) as Record<string, string>, body };
    calls.push(call);
    if (url === "/api/v1/auth/refresh") {
      return json({ access_token: fakeJwt({ sub: userId, tid: "acme", roles, name: "Sri" }), refresh_token: "rt-next", expires_in: 900 });
    }
    const handler = handlers[`${method} ${url.split("?")[0]}`];
    if (handler === undefined) return json({ type: "/problems/not-found", status: 404 }, 404);
    return typeof handler === "function" ? handler(call) : handler.clone();
  };
  return { calls, fetchFn };
}
