/** Uploads that report their progress: XMLHttpRequest (fetch cannot report upload progress),
 * with the client's token handling and the same typed errors as every other call. */
import type { ApiClient, ApiPath } from "./client";
import { NetworkError, problemFrom } from "./problem";

/** How much of the body has been sent. */
export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface UploadOptions {
  contentType: string;
  /** Extra request headers (for example `Prefer: respond-async`). */
  headers?: Record<string, string>;
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
  /** Makes the request object (tests pass a stand-in). */
  createRequest?: () => XMLHttpRequest;
}

function sendOnce(path: ApiPath, body: Blob, token: string | null, options: UploadOptions): Promise<Response> {
  return new Promise((resolve, reject) => {
    const xhr = (options.createRequest ?? (() => new XMLHttpRequest()))();
    xhr.open("POST", path);
    xhr.setRequestHeader("content-type", options.contentType);
    xhr.setRequestHeader("accept", "application/json");
    for (const [name, value] of Object.entries(options.headers ?? {})) xhr.setRequestHeader(name, value);
    if (token !== null) xhr.setRequestHeader("authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (event) => {
      options.onProgress?.({ loaded: event.loaded, total: event.lengthComputable ? event.total : body.size });
    };
    xhr.onload = () => {
      const headers = new Headers();
      for (const name of ["content-type", "retry-after", "x-request-id"]) {
        const value = xhr.getResponseHeader(name);
        if (value !== null) headers.set(name, value);
      }
      const noBody = xhr.status === 204 || xhr.status === 205;
      resolve(new Response(noBody ? null : xhr.responseText, { status: xhr.status, headers }));
    };
    xhr.onerror = () => reject(new NetworkError("upload failed"));
    xhr.onabort = () => reject(new DOMException("upload aborted", "AbortError"));
    options.signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

/** POST `body` to `path`, reporting progress; the JSON answer, or ApiError / NetworkError. */
export async function uploadWithProgress<T>(client: ApiClient, path: ApiPath, body: Blob, options: UploadOptions): Promise<T> {
  if (!new URL(path, "http://console.invalid").pathname.startsWith("/api/v1/")) throw new Error(`not an API path: ${path}`);
  const response = await client.withToken((token) => sendOnce(path, body, token, options));
  if (!response.ok) throw await problemFrom(response);
  return (await response.json()) as T;
}
