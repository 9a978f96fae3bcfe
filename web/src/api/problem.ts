/** RFC 9457 problem details from the gateway, as typed errors the screens can explain. */

/** One invalid field of a 422 answer (`errors` member of the gateway's problems). */
export interface FieldError {
  field: string;
  message: string;
  code: string;
}

/** An HTTP error answer of the API (a problem+json body when the server sent one). */
export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly status: number,
    /** The problem type's last segment (`/problems/version-conflict` -> `version-conflict`). */
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly fieldErrors: readonly FieldError[] = [],
    /** Seconds from the `Retry-After` header (429, 503), when given. */
    readonly retryAfterS: number | null = null,
    readonly requestId: string | null = null,
  ) {
    super(detail || title || `HTTP ${status}`);
  }
}

/** The server could not be reached at all (it is down, or the network is). */
export class NetworkError extends Error {
  override readonly name = "NetworkError";
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function fieldErrorsOf(value: unknown): FieldError[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown) => {
    if (typeof item !== "object" || item === null) return [];
    const record = item as Record<string, unknown>;
    return [{ field: text(record["field"]), message: text(record["message"]), code: text(record["code"]) }];
  });
}

function retryAfterOf(response: Response): number | null {
  const header = response.headers.get("retry-after");
  if (header === null || !/^\d+$/.test(header.trim())) return null;
  return Number(header.trim());
}

/** Read an error response into an {@link ApiError} (any body: problem+json, JSON or none). */
export async function problemFrom(response: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = await response.json();
    if (typeof parsed === "object" && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // not JSON (a proxy's HTML error page, an empty body): the status says enough
  }
  const type = text(body["type"]);
  return new ApiError(
    response.status,
    type.split("/").filter(Boolean).pop() ?? "",
    text(body["title"]) || response.statusText,
    text(body["detail"]),
    fieldErrorsOf(body["errors"]),
    retryAfterOf(response),
    text(body["request_id"]) || response.headers.get("x-request-id"),
  );
}
