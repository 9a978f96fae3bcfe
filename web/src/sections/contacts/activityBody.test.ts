import { describe, expect, it } from "vitest";

import { activityBody, localInputToIso } from "./ActivityForm";

const LINK = { contact_id: "con_1" };

describe("activityBody", () => {
  it("sends a task's due time and no occurrence or duration", () => {
    const values = { subject: " Send the quote ", due_at: "2026-11-25T09:30", occurred_at: "2026-11-20T09:00", duration_minutes: "30" };
    expect(activityBody("task", values, LINK)).toEqual({
      kind: "task",
      subject: "Send the quote",
      contact_id: "con_1",
      due_at: new Date("2026-11-25T09:30").toISOString(),
    });
  });

  it("sends a note with its details only, linked to an account", () => {
    const values = { subject: "Prefers WhatsApp", description: "  Mornings only. ", due_at: "2026-11-25T09:30" };
    expect(activityBody("note", values, { account_id: "acc_1" })).toEqual({
      kind: "note",
      subject: "Prefers WhatsApp",
      description: "Mornings only.",
      account_id: "acc_1",
    });
  });

  it("sends an e-mail's time but no duration, and leaves an empty time to the server", () => {
    expect(activityBody("email", { subject: "Quote", duration_minutes: "5", occurred_at: "" }, LINK)).toEqual({ kind: "email", subject: "Quote", contact_id: "con_1" });
  });
});

describe("localInputToIso", () => {
  it("reads the user's clock time as an instant, and nothing for empty or invalid input", () => {
    expect(localInputToIso("2026-11-25T09:30")).toBe(new Date(2026, 10, 25, 9, 30).toISOString());
    expect(localInputToIso("")).toBeUndefined();
    expect(localInputToIso("not a time")).toBeUndefined();
  });
});
