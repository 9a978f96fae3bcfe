import { describe, expect, it } from "vitest";

import { problemFrom } from "./problem";

function problem(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/problem+json", ...headers },
  });
}

describe("problemFrom", () => {
  it("reads the members of a problem+json body", async () => {
    const error = await problemFrom(
      problem(409, {
        type: "/problems/version-conflict",
        title: "Version conflict",
        status: 409,
        detail: "the lead changed since you read it",
        request_id: "req-1",
      }),
    );
    expect(error.status).toBe(409);
    expect(error.slug).toBe("version-conflict");
    expect(error.title).toBe("Version conflict");
    expect(error.detail).toBe("the lead changed since you read it");
    expect(error.requestId).toBe("req-1");
    expect(error.fieldErrors).toEqual([]);
  });

  it("keeps the field errors of a 422", async () => {
    const error = await problemFrom(
      problem(422, {
        type: "/problems/validation-error",
        status: 422,
        errors: [{ location: ["body", "email"], field: "email", message: "not an e-mail", code: "value_error" }, "junk"],
      }),
    );
    expect(error.fieldErrors).toEqual([{ field: "email", message: "not an e-mail", code: "value_error" }]);
  });

  it("reads Retry-After in seconds", async () => {
    const error = await problemFrom(problem(429, { type: "/problems/too-many-requests" }, { "retry-after": "600" }));
    expect(error.retryAfterS).toBe(600);
  });

  it("copes with a body that is not JSON (a proxy's error page)", async () => {
    const error = await problemFrom(new Response("<html>Bad gateway</html>", { status: 502, statusText: "Bad Gateway" }));
    expect(error.status).toBe(502);
    expect(error.slug).toBe("");
    expect(error.title).toBe("Bad Gateway");
    expect(error.retryAfterS).toBeNull();
  });
});
