import { beforeEach, describe, expect, it } from "vitest";

import { ApiClient } from "./client";
import { ApiError, NetworkError } from "./problem";
import { TokenStore } from "./tokenStore";
import { uploadWithProgress } from "./upload";

interface Answer {
  status: number;
  body: string;
  type?: string;
}

/** A stand-in XMLHttpRequest: records what is sent, reports progress, answers from `answers`. */
class FakeXhr {
  static sent: { path: string; headers: Record<string, string>; body: unknown }[] = [];
  static answers: (Answer | "network-error")[] = [];
  upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  status = 0;
  responseText = "";
  private path = "";
  private headers: Record<string, string> = {};
  private type: string | null = null;

  open(_method: string, path: string) {
    this.path = path;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  getResponseHeader(name: string) {
    return name === "content-type" ? this.type : null;
  }
  abort() {}
  send(body: Blob) {
    FakeXhr.sent.push({ path: this.path, headers: this.headers, body });
    const answer = FakeXhr.answers.shift();
    queueMicrotask(() => {
      if (answer === undefined || answer === "network-error") return this.onerror?.();
      this.upload.onprogress?.({ loaded: body.size / 2, total: body.size, lengthComputable: true } as ProgressEvent);
      this.upload.onprogress?.({ loaded: body.size, total: body.size, lengthComputable: true } as ProgressEvent);
      this.status = answer.status;
      this.responseText = answer.body;
      this.type = answer.type ?? "application/json";
      this.onload?.();
    });
  }
}

const createRequest = () => new FakeXhr() as unknown as XMLHttpRequest;
const csv = new Blob(["last_name\nWijaya\n"], { type: "text/csv" });

function client(refreshOk = true) {
  const store = new TokenStore(sessionStorage);
  store.set({ access_token: "at-old", refresh_token: "rt-0", expires_in: 900 });
  const fetchFn = async (): Promise<Response> =>
    refreshOk
      ? new Response(JSON.stringify({ access_token: "at-new", refresh_token: "rt-1", expires_in: 900 }), { status: 200, headers: { "content-type": "application/json" } })
      : new Response(JSON.stringify({ status: 401 }), { status: 401 });
  return new ApiClient(store, fetchFn);
}

beforeEach(() => {
  FakeXhr.sent = [];
  FakeXhr.answers = [];
});

describe("uploadWithProgress", () => {
  it("sends the body with the token and content type, reports progress, returns the JSON", async () => {
    FakeXhr.answers = [{ status: 200, body: '{"created": 1}' }];
    const seen: number[] = [];
    const result = await uploadWithProgress<{ created: number }>(client(), "/api/v1/leads/import", csv, {
      contentType: "text/csv",
      onProgress: ({ loaded, total }) => seen.push(loaded / total),
      createRequest,
    });
    expect(result).toEqual({ created: 1 });
    expect(seen).toEqual([0.5, 1]);
    expect(FakeXhr.sent[0]?.headers).toMatchObject({ authorization: "Bearer at-old", "content-type": "text/csv" });
    expect(FakeXhr.sent[0]?.body).toBe(csv);
  });

  it("refreshes an expired token once and sends again", async () => {
    FakeXhr.answers = [
      { status: 401, body: '{"status": 401}', type: "application/problem+json" },
      { status: 200, body: '{"created": 1}' },
    ];
    await uploadWithProgress(client(), "/api/v1/leads/import", csv, { contentType: "text/csv", createRequest });
    expect(FakeXhr.sent.map((call) => call.headers["authorization"])).toEqual(["Bearer at-old", "Bearer at-new"]);
  });

  it("turns a problem answer into an ApiError and a failed connection into a NetworkError", async () => {
    FakeXhr.answers = [{ status: 413, body: '{"type": "/problems/payload-too-large", "status": 413}', type: "application/problem+json" }];
    const tooLarge = uploadWithProgress(client(), "/api/v1/leads/import", csv, { contentType: "text/csv", createRequest });
    await expect(tooLarge).rejects.toBeInstanceOf(ApiError);
    await expect(tooLarge).rejects.toMatchObject({ status: 413, slug: "payload-too-large" });
    FakeXhr.answers = ["network-error"];
    await expect(uploadWithProgress(client(), "/api/v1/leads/import", csv, { contentType: "text/csv", createRequest })).rejects.toBeInstanceOf(NetworkError);
  });

  it("refuses a path outside the API", async () => {
    await expect(uploadWithProgress(client(), "/api/v1/../admin" as never, csv, { contentType: "text/csv", createRequest })).rejects.toThrow("not an API path");
    expect(FakeXhr.sent).toEqual([]);
  });
});

describe("ApiClient.download", () => {
  it("fetches the file with the token and the name the server suggests", async () => {
    const store = new TokenStore(sessionStorage);
    store.set({ access_token: "at", refresh_token: "rt", expires_in: 900 });
    const seen: (string | null)[] = [];
    const fetchFn = async (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      seen.push(new Headers(init?.headers).get("authorization"));
      return new Response("id,last_name\n", { status: 200, headers: { "content-type": "text/csv", "content-disposition": 'attachment; filename="leads-20261123.csv"' } });
    };
    const { blob, filename } = await new ApiClient(store, fetchFn).download("/api/v1/leads/export.csv?rating=hot");
    expect(filename).toBe("leads-20261123.csv");
    expect(await blob.text()).toBe("id,last_name\n");
    expect(seen).toEqual(["Bearer at"]);
  });
});
