/** What the contacts service and the customer 360 view send (the fields the screens use). */
import type { ComposedSection } from "../../api/composed";
import type { CaseRecord } from "../cases/types";

export const LIFECYCLE_STAGES = ["subscriber", "lead", "prospect", "customer", "churned"] as const;
export const RFM_SEGMENTS = [
  "champions",
  "loyal",
  "potential_loyalist",
  "new_customers",
  "promising",
  "need_attention",
  "about_to_sleep",
  "at_risk",
  "cannot_lose",
  "hibernating",
  "lost",
] as const;
export const ACCOUNT_TYPES = ["prospect", "customer", "partner", "reseller"] as const;
export const ACTIVITY_KINDS = ["call", "email", "meeting", "note", "task"] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

export interface Contact {
  id: string;
  version: number;
  first_name: string | null;
  last_name: string;
  email: string | null;
  phones: string[];
  title: string | null;
  account_id: string | null;
  lifecycle_stage: string;
  tags: string[];
  do_not_contact: boolean;
  owner_id: string | null;
  created_at: string;
  purchase_count: number;
  purchase_total: string;
  purchase_totals: Record<string, string>;
  first_purchase_at: string | null;
  last_purchase_at: string | null;
  rfm_segment: string | null;
}

export interface Account {
  id: string;
  version: number;
  name: string;
  domain: string | null;
  website: string | null;
  industry: string | null;
  employee_count: number | null;
  annual_revenue: string | null;
  currency: string;
  phone: string | null;
  type: string;
  tags: string[];
  owner_id: string | null;
  created_at: string;
}

export interface Activity {
  id: string;
  version: number;
  kind: ActivityKind;
  subject: string;
  description: string | null;
  contact_id: string | null;
  account_id: string | null;
  deal_id: string | null;
  occurred_at: string;
  due_at: string | null;
  duration_minutes: number | null;
  done: boolean | null;
  completed_at: string | null;
  owner_id: string | null;
  logged_by: string;
}

export interface Rfm {
  customer: boolean;
  recency_days: number | null;
  frequency: number;
  monetary: string;
  currency: string;
  r: number | null;
  f: number | null;
  m: number | null;
  segment: string | null;
  clv: string | null;
}

export interface Deal {
  id: string;
  name: string;
  amount: string;
  currency: string;
  status: string;
  stage: string | null;
  expected_close_date: string | null;
}

export interface Campaign {
  id: string;
  name: string;
  status: string;
  type: string;
}

/** `GET /api/v1/customers/{id}/360`. */
export interface Customer360 {
  contact_id: string;
  contact: ComposedSection<Contact>;
  account: ComposedSection<Account>;
  deals: ComposedSection<{ open: Deal[]; closed: Deal[] }>;
  activities: ComposedSection<Activity[]>;
  open_cases: ComposedSection<CaseRecord[]>;
  campaigns: ComposedSection<Campaign[]>;
  purchases_and_rfm: ComposedSection<Rfm>;
}

/** "First Last", or the last name alone. */
export function contactName(contact: Pick<Contact, "first_name" | "last_name">): string {
  return [contact.first_name, contact.last_name].filter(Boolean).join(" ");
}
