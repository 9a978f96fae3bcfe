/** What the settings pages read from the API (gateway, notifications, leads, deals). */

export const USER_ROLES = ["admin", "sales_manager", "sales", "marketing", "support", "viewer"] as const;

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** The scopes an integration key may have (the gateway's KNOWN_SCOPES). */
export const API_KEY_SCOPES = ["leads:read", "contacts:read", "accounts:read", "activities:read", "cases:read", "deals:read", "pipelines:read", "webhooks"] as const;

export interface Webhook {
  id: string;
  url: string;
  event_types: string[];
  description: string | null;
  active: boolean;
  consecutive_failures: number;
  disabled_reason: string | null;
  version: number;
  created_at: string;
}

/** A subscription as created or rotated: with its secret, shown this once. */
export interface WebhookWithSecret extends Webhook {
  secret: string;
}

export interface DeliveryAttempt {
  at: string;
  status_code: number | null;
  error: string | null;
  latency_ms: number;
}

export interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  status: "pending" | "delivered" | "failed";
  url: string | null;
  attempts: DeliveryAttempt[];
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  replays: number;
  created_at: string;
  updated_at: string;
}

export const SCORING_OPS = ["eq", "ne", "in", "not_in", "contains", "exists", "not_exists", "gte", "lte"] as const;
export type ScoringOp = (typeof SCORING_OPS)[number];
export const SCORABLE_FIELDS = ["source", "company", "title", "email", "email_domain", "phone", "website", "tags", "campaign_id"] as const;

export interface ScoringRule {
  id?: string | null;
  name: string;
  field: string;
  op: ScoringOp;
  value: boolean | number | string | string[] | null;
  points: number;
}

export interface ScoringConfig {
  rules: ScoringRule[];
  hot_threshold: number;
  warm_threshold: number;
  junk_below: number | null;
}

export interface AssignmentConfig {
  round_robin_owners: string[];
  auto_assign: boolean;
}

export interface Stage {
  id?: string;
  name: string;
  probability: number;
  kind: "open" | "won" | "lost";
}

export interface Pipeline {
  id: string;
  name: string;
  stages: Stage[];
  is_default: boolean;
  version: number;
}

export interface Target {
  owner_id: string;
  period: string;
  amount: string;
  currency: string;
  updated_at: string;
}
