/** The campaigns API's shapes (campaigns, metrics, segments, automations) and its fixed lists. */

export const CAMPAIGN_STATUSES = ["planned", "active", "paused", "completed"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export const CAMPAIGN_TYPES = ["email", "social", "event", "webinar", "ads", "direct_mail", "other"] as const;
export type CampaignType = (typeof CAMPAIGN_TYPES)[number];

/** An e-mail template: `{{first_name}}` … tokens with optional `{{token | "fallback"}}`. */
export interface Template {
  subject: string;
  body_text: string;
  body_html?: string | null;
}

/** The tokens a template may use (the service's `templating.TOKENS`). */
export const TEMPLATE_TOKENS = ["first_name", "last_name", "full_name", "email", "company", "title", "unsubscribe_url"] as const;

export interface Campaign {
  id: string;
  name: string;
  type: CampaignType;
  status: CampaignStatus;
  description: string | null;
  start_date: string | null;
  end_date: string | null;
  budget: string;
  currency: string;
  actual_cost: string | null;
  expected_revenue: string | null;
  owner_id: string | null;
  segment_ids: string[];
  template: Template | null;
  /** True from the launch until the background job has enrolled the audience (absent from
   * services older than that job: false). */
  enrolling?: boolean;
  /** Members to e-mail; null (or absent) until the audience is enrolled. */
  audience_size?: number | null;
  version: number;
}

export interface CampaignMetrics {
  audience: number;
  suppressed: number;
  sent: number;
  opened: number;
  clicked: number;
  responded: number;
  leads: number;
  converted: number;
  deals_won: number;
  currency: string;
  revenue: string;
  cost: string;
  roi: string | null;
}

/** The funnel's steps, widest first. */
export const FUNNEL = ["audience", "sent", "opened", "clicked", "responded", "leads", "converted", "deals_won"] as const;

export interface ContactSample {
  id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
}

/** `GET /campaigns/{id}/audience`: before launch, the audience launch would freeze now. */
export interface CampaignAudience {
  audience: number;
  suppressed: number;
  reachable: number;
}

export interface SegmentPreview {
  count: number;
  sample: ContactSample[];
}

export interface TemplatePreview {
  subject: string;
  body_text: string;
  body_html: string | null;
  /** Null: placeholder values (the tenant has no contact yet). */
  contact: ContactSample | null;
}

/** A condition or a group of the API's segment rules. */
export interface ApiCondition {
  field: string;
  op: string;
  value: unknown;
}
export interface ApiGroup {
  match: "all" | "any";
  rules: (ApiCondition | ApiGroup)[];
}

export interface Segment {
  id: string;
  name: string;
  description: string | null;
  kind: "dynamic" | "static";
  rules: ApiGroup | null;
  version: number;
}

/** Event types an automation may wait for (the service's `automation_rules.TRIGGERS`). */
export const TRIGGER_EVENTS = [
  "LeadCreated",
  "LeadUpdated",
  "LeadAssigned",
  "LeadQualified",
  "LeadConverted",
  "ContactCreated",
  "ContactUpdated",
  "CaseOpened",
  "CaseResolved",
  "ActivityLogged",
  "DealCreated",
  "DealStageChanged",
  "DealWon",
  "DealLost",
] as const;
export const AUTOMATION_OPS = ["eq", "ne", "in", "not_in", "contains", "exists", "gt", "gte", "lt", "lte"] as const;
export type AutomationOp = (typeof AUTOMATION_OPS)[number];

export type AutomationAction =
  | { type: "send_email"; template: Template }
  | { type: "assign_owner"; owner_id?: string | null }
  | { type: "add_to_campaign"; campaign_id: string }
  | { type: "notify_user"; user_id: string; title: string; body?: string };
export const ACTION_TYPES = ["send_email", "assign_owner", "add_to_campaign", "notify_user"] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export interface Automation {
  id: string;
  name: string;
  active: boolean;
  trigger: { event_type: string; conditions: { field: string; op: AutomationOp; value: unknown }[] };
  actions: AutomationAction[];
  fired: number;
  version: number;
}

export interface AutomationRun {
  id: string;
  event_type: string;
  subject: string;
  /** What each action did: `status` requested, queued, done, skipped or failed, and why. */
  results: { type: string; status: string; reason?: string }[];
  created_at: string;
}
