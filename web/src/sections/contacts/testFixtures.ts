/** Records the contacts screens' tests answer with. */
import type { Activity, Contact, Customer360 } from "./types";

export const CONTACT: Contact = {
  id: "con_1",
  version: 2,
  first_name: "Budi",
  last_name: "Santoso",
  email: "budi@example.id",
  phones: ["+62811000111"],
  title: "CTO",
  account_id: "acc_1",
  lifecycle_stage: "customer",
  tags: [],
  do_not_contact: false,
  owner_id: "user_sri",
  created_at: "2026-11-01T08:00:00Z",
  purchase_count: 3,
  purchase_total: "4500000",
  purchase_totals: { IDR: "4500000" },
  first_purchase_at: "2026-01-10T08:00:00Z",
  last_purchase_at: "2026-11-10T08:00:00Z",
  rfm_segment: "champions",
};

export const VIEW: Customer360 = {
  contact_id: "con_1",
  contact: { status: "ok", data: CONTACT },
  account: { status: "ok", data: null },
  deals: { status: "unavailable", reason: "the deals service did not answer in time" },
  activities: { status: "ok", data: [] },
  open_cases: { status: "ok", data: [] },
  campaigns: { status: "forbidden", reason: "your roles do not cover this section" },
  purchases_and_rfm: {
    status: "ok",
    data: { customer: true, recency_days: 13, frequency: 3, monetary: "4500000", currency: "IDR", r: 5, f: 4, m: 5, segment: "champions", clv: "9000000" },
  },
};

export function task(overrides: Partial<Activity> = {}): Activity {
  return {
    id: "act_task",
    version: 1,
    kind: "task",
    subject: "Send the quote",
    description: null,
    contact_id: "con_1",
    account_id: null,
    deal_id: null,
    occurred_at: "2026-11-20T08:00:00Z",
    due_at: "2026-11-21T08:00:00Z",
    duration_minutes: null,
    done: false,
    completed_at: null,
    owner_id: "user_other",
    logged_by: "user_other",
    ...overrides,
  };
}
