/** Cases as the contacts service sends them, and what the screens derive from them. */

export const CASE_PRIORITIES = ["urgent", "high", "medium", "low"] as const;
export const CASE_STATUSES = ["new", "open", "pending", "resolved", "closed"] as const;
export const CASE_TYPES = ["question", "incident", "complaint", "request"] as const;
const OPEN_STATUSES: readonly string[] = ["new", "open", "pending"];

export interface CaseRecord {
  id: string;
  version: number;
  subject: string;
  description: string | null;
  type: string;
  priority: string;
  status: string;
  contact_id: string | null;
  account_id: string | null;
  assignee_id: string | null;
  sla_due_at: string;
  resolution: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
  sla_breached: boolean | null;
  opened_by: string;
  created_at: string;
}

/** Whether the case is still being worked on (new, open or pending). */
export function isOpenCase(record: Pick<CaseRecord, "status">): boolean {
  return OPEN_STATUSES.includes(record.status);
}

/** Whether an unresolved case is past its SLA due time at `now`. */
export function isOverdue(record: Pick<CaseRecord, "status" | "sla_due_at">, now: Date): boolean {
  return isOpenCase(record) && new Date(record.sla_due_at).getTime() < now.getTime();
}
