/** Cases the cases screens' tests answer with. */
import type { CaseRecord } from "./types";

export function caseRecord(overrides: Partial<CaseRecord> = {}): CaseRecord {
  return {
    id: "cas_1",
    version: 3,
    subject: "Invoice shows the wrong address",
    description: "Customer reports the billing address is outdated.",
    type: "incident",
    priority: "high",
    status: "open",
    contact_id: "con_1",
    account_id: null,
    assignee_id: null,
    sla_due_at: "2026-11-20T08:00:00Z",
    resolution: null,
    resolved_at: null,
    resolved_by: null,
    sla_breached: null,
    opened_by: "user_sri",
    created_at: "2026-11-20T00:00:00Z",
    ...overrides,
  };
}
