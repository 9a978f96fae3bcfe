import { describe, expect, it } from "vitest";

import { listUrl } from "./useCursorList";

describe("listUrl", () => {
  it("drops empty parameters and sorts the rest (one cache key per list)", () => {
    expect(listUrl("/api/v1/cases", { sort: "sla_due_at", priority: "high", status: "", cursor: null, limit: 50, open_tasks: undefined })).toBe(
      "/api/v1/cases?limit=50&priority=high&sort=sla_due_at",
    );
  });

  it("encodes values and keeps a bare path bare", () => {
    expect(listUrl("/api/v1/contacts", { q: "budi & sari" })).toBe("/api/v1/contacts?q=budi+%26+sari");
    expect(listUrl("/api/v1/contacts", {})).toBe("/api/v1/contacts");
  });
});
